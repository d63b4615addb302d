import { describe, expect, it } from 'vitest';
import {
  fieldErrors,
  isVersionConflict,
  mapClientError,
  TaigaAuthError,
  TaigaForbiddenError,
  TaigaNotFoundError,
  TaigaUnexpectedResponseError,
  TaigaValidationError,
  taigaMessage,
} from '../src/index.js';
import { loadApiCapture } from './fixtures/index.js';

const site = { endpoint: '/tasks/{id}', method: 'GET' };

describe('error mapping on the captured error responses', () => {
  it('401 token_not_valid: an expired token, an auth error if it persists', () => {
    const { status, body, headers } = loadApiCapture('api_401_invalid_token').response;
    expect(headers['WWW-Authenticate']).toBe('Bearer realm="api"');
    expect(body).toMatchObject({ code: 'token_not_valid' });
    const error = mapClientError(site, status, body);
    expect(error).toBeInstanceOf(TaigaAuthError);
    expect(error.message).toContain('Given token not valid for any token type');
    expect(error.retryable).toBe(false);
  });

  it('404: not found, with Taiga’s message', () => {
    const { status, body } = loadApiCapture('api_404_task_not_found').response;
    const error = mapClientError(site, status, body);
    expect(error).toBeInstanceOf(TaigaNotFoundError);
    expect(error.message).toContain('No Task matches the given query.');
  });

  it('400 on version: a conflict, not a validation error', () => {
    const { status, body } = loadApiCapture('api_task_patch_400_version_conflict_stale_same_field').response;
    expect(isVersionConflict(status, body)).toBe(true);
    expect(isVersionConflict(400, { version: ['This field is required.'] })).toBe(false);
    expect(isVersionConflict(400, { subject: ['This field is required.'] })).toBe(false);
  });

  it('400 with field errors: a validation error that keeps each field’s messages', () => {
    const error = mapClientError(site, 400, {
      subject: ['This field is required.'],
      status: ['Invalid pk "99".'],
    });
    expect(error).toBeInstanceOf(TaigaValidationError);
    expect((error as TaigaValidationError).fieldErrors).toEqual({
      subject: ['This field is required.'],
      status: ['Invalid pk "99".'],
    });
  });

  it('403 and anything unforeseen', () => {
    const forbidden = { _error_message: 'You do not have permission to perform this action.' };
    expect(mapClientError(site, 403, forbidden)).toBeInstanceOf(TaigaForbiddenError);
    expect(mapClientError(site, 405, '')).toBeInstanceOf(TaigaUnexpectedResponseError);
  });

  it('reduces any error body to a sentence', () => {
    expect(taigaMessage({ error: 'comment is required' })).toBe('comment is required');
    expect(taigaMessage('<html>Bad Gateway</html>')).toBe('<html>Bad Gateway</html>');
    expect(taigaMessage(null)).toBe('no detail');
    expect(fieldErrors({ version: "The version doesn't match with the current one" })).toEqual({
      version: ["The version doesn't match with the current one"],
    });
  });
});
