import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isWebhookKeyVariable, QueueName } from '@tundra/core';
import { commonEnv, queuePrefix } from '@tundra/core/server';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apiConfigSchema } from '../../apps/api/src/config.js';
import { executorConfigSchema } from '../../apps/executor/src/config.js';
import { ingesterConfigSchema } from '../../apps/ingester/src/config.js';
import { plannerConfigSchema } from '../../apps/planner/src/config.js';
import { qaConfigSchema } from '../../apps/qa/src/config.js';
import { reporterConfigSchema } from '../../apps/reporter/src/config.js';
import { infra, readYaml, readYamlDocuments, runTool } from './support.js';

/** Every variable each app reads, from its own config schema. */
const appEnv: Record<string, Set<string>> = {
  ingester: new Set(Object.keys(ingesterConfigSchema.shape)),
  api: new Set(Object.keys(apiConfigSchema.shape)),
  planner: new Set(Object.keys(plannerConfigSchema.shape)),
  executor: new Set(Object.keys(executorConfigSchema.shape)),
  qa: new Set(Object.keys(qaConfigSchema.shape)),
  reporter: new Set(Object.keys(reporterConfigSchema.shape)),
};
const apps = Object.keys(appEnv);
/** The queues each worker consumes (docs/architecture.md), which its ScaledObject must watch. */
const workerQueues: Record<string, string[]> = {
  planner: [QueueName.Plan, QueueName.Control, QueueName.WriteBack, QueueName.Reconcile],
  executor: [QueueName.Execute],
  qa: [QueueName.Qa],
};
/**
 * A project names the variables of its Taiga webhook key (`webhookSecretRef`, under the documented prefix) and of
 * its Slack webhook URL (`reports.destinations.slack.webhookUrlRef`).
 */
const isWebhookSecretRef = (name: string) =>
  isWebhookKeyVariable(name) || /^TUNDRA_SLACK_WEBHOOK_[A-Z0-9_]+$/.test(name);
/** Read by everything that shares the environment: a variable one app reads is harmless to another. */
const anyAppReads = (name: string) =>
  apps.some((app) => appEnv[app]!.has(name)) || isWebhookSecretRef(name) || name in commonEnv;

describe('infra/docker/Dockerfile', () => {
  const dockerfile = readFileSync(join(infra, 'docker/Dockerfile'), 'utf8');
  /** The instructions of each stage, by stage name. */
  const stages = new Map<string, string>();
  for (const block of dockerfile.split(/^(?=FROM )/m).filter((b) => b.startsWith('FROM '))) {
    const name = /^FROM \S+ AS (\S+)/.exec(block)?.[1];
    if (name) stages.set(name, block);
  }
  const base = (stage: string) => /^FROM (\S+)/.exec(stages.get(stage) ?? '')?.[1] ?? '';

  it('builds in stages: the workspace once, then one production bundle per app', () => {
    expect(stages.get('build')).toContain('pnpm install --frozen-lockfile');
    expect(stages.get('build')).toContain('pnpm build');
    for (const app of apps) {
      expect(stages.get(`bundle-${app}`)).toMatch(
        new RegExp(`pnpm deploy .*--filter @tundra/${app} --prod /out`),
      );
    }
  });

  it.each(apps)('has a %s target: non-root, production bundle only, health-checked', (app) => {
    const stage = stages.get(app) ?? '';
    expect(stage, `no stage named ${app}`).not.toBe('');
    expect(['runtime', 'runtime-git']).toContain(base(app));
    expect(stage).toContain(`COPY --from=bundle-${app} --chown=node:node /out /app`);
    expect(stage).toMatch(/^USER node$/m);
    expect(stage).toMatch(/^HEALTHCHECK .*\n?.*\/health/m);
    expect(stage).toContain('CMD ["node", "dist/main.js"]');
    const port = /^ENV (TUNDRA_[A-Z]+_PORT)=(\d+)$/m.exec(stage);
    expect(appEnv[app]!.has(port?.[1] ?? '')).toBe(true);
    expect(stage).toContain(`EXPOSE ${port?.[2]}`);
  });

  it('gives the executor and QA git, and no other app more than Node', () => {
    expect(stages.get('runtime-git')).toMatch(/apt-get install .*\bgit\b/);
    expect(base('executor')).toBe('runtime-git');
    expect(base('qa')).toBe('runtime-git');
    expect(base('runtime')).toMatch(/^\$\{NODE_IMAGE\}$/);
    expect(dockerfile).toContain('ARG NODE_IMAGE=node:20-bookworm-slim');
  });
});

describe('infra/docker-compose.yml', () => {
  /** `docker compose config` (the Compose plugin) or `docker-compose config` (Debian's docker-compose). */
  async function composeConfig(): Promise<{
    services: Record<string, any>;
    volumes: Record<string, unknown>;
  }> {
    const args = ['-f', join(infra, 'docker-compose.yml'), '--profile', 'taiga', 'config'];
    process.env.TUNDRA_ENV_FILE = 'tundra.env.example';
    try {
      const plugin = await runTool('docker', ['compose', 'version']).catch(() => ({ code: 1, output: '' }));
      const result =
        plugin.code === 0
          ? await runTool('docker', ['compose', ...args])
          : await runTool('docker-compose', args);
      expect(result.code, result.output).toBe(0);
      return parse(result.output.slice(result.output.search(/^(name|services|version):/m)));
    } finally {
      delete process.env.TUNDRA_ENV_FILE;
    }
  }

  it('validates, and runs Redis with AOF on a volume, the apps, Prometheus and Grafana provisioned', async () => {
    const config = await composeConfig();
    const services = config.services;
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['redis', ...apps, 'prometheus', 'grafana']),
    );
    const redis = services.redis;
    expect(redis.command.join(' ')).toContain('redis.conf');
    const redisVolumes = JSON.stringify(redis.volumes);
    expect(redisVolumes).toContain('infra/redis/redis.conf');
    expect(redisVolumes).toContain('/data');
    expect(readFileSync(join(infra, 'redis/redis.conf'), 'utf8')).toMatch(/^appendonly yes$/m);
    expect(JSON.stringify(services.prometheus.volumes)).toContain('infra/prometheus');
    const grafanaVolumes = JSON.stringify(services.grafana.volumes);
    expect(grafanaVolumes).toContain('infra/grafana/provisioning');
    expect(grafanaVolumes).toContain('infra/grafana/dashboards');
    for (const app of apps) {
      expect(services[app].build.target).toBe(app);
      for (const name of Object.keys(services[app].environment ?? {})) {
        expect(anyAppReads(name), `${app}: ${name} is read by no app`).toBe(true);
      }
    }
    expect(JSON.stringify(services.executor.volumes)).toContain('/workspaces');
    expect(JSON.stringify(services.qa.volumes)).toContain('/workspaces');
  });

  it("has a taiga profile with taiga-docker's official images", async () => {
    const { services } = await composeConfig();
    const images = Object.values(services)
      .filter((service) => (service.profiles ?? []).includes('taiga'))
      .map((service) => String(service.image).split(':')[0]);
    expect(images).toEqual(
      expect.arrayContaining([
        'taigaio/taiga-back',
        'taigaio/taiga-front',
        'taigaio/taiga-events',
        'taigaio/taiga-protected',
        'postgres',
        'rabbitmq',
      ]),
    );
  });

  it('names only variables the apps read in tundra.env.example', () => {
    const names = readFileSync(join(infra, 'tundra.env.example'), 'utf8')
      .split('\n')
      .map((line) => /^#? ?([A-Z][A-Z0-9_]+)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(anyAppReads(name), name).toBe(true);
    expect(names).toEqual(
      expect.arrayContaining([
        'TUNDRA_TAIGA_USERNAME',
        'TUNDRA_TAIGA_PASSWORD',
        'TUNDRA_TAIGA_BOT_USERNAME',
        'TUNDRA_API_TOKEN',
      ]),
    );
  });
});

describe('infra/k8s', () => {
  const kustomization = readYaml<{ resources: string[] }>(join(infra, 'k8s/kustomization.yaml'));
  const resources = kustomization.resources.flatMap((file) =>
    readYamlDocuments(join(infra, 'k8s', file)).filter((doc): doc is Record<string, any> => doc !== null),
  );
  const ofKind = (kind: string) => resources.filter((resource) => resource.kind === kind);

  it('builds with kustomize (kubectl where installed), to the same resources', () => {
    let built: string | null = null;
    try {
      built = execFileSync('kubectl', ['kustomize', join(infra, 'k8s')], { encoding: 'utf8' });
    } catch (error) {
      // Anything kubectl says is a failure; its absence is not (Debian does not package it).
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // What kustomize would do first, checked either way: every listed file exists and holds Kubernetes objects.
    for (const file of kustomization.resources) {
      const docs = readYamlDocuments(join(infra, 'k8s', file)).filter((doc) => doc !== null) as {
        kind?: string;
      }[];
      expect(docs.length, file).toBeGreaterThan(0);
      expect(
        docs.every((doc) => typeof doc.kind === 'string'),
        file,
      ).toBe(true);
    }
    if (built !== null) expect(built.match(/^kind: /gm)?.length).toBe(resources.length);
  });

  it('has a Deployment for every app, and the kinds it needs', () => {
    expect(
      ofKind('Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual([...apps].sort());
    expect(
      ofKind('Service')
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(['api', 'ingester']);
    expect(ofKind('PersistentVolumeClaim')[0]?.spec.accessModes).toEqual(['ReadWriteMany']);
  });

  it.each(apps)('runs %s non-root, with probes, resources and only variables it reads', (app) => {
    const deployment = ofKind('Deployment').find((d) => d.metadata.name === app)!;
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const [container] = pod.containers;
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    const port = container.ports[0].containerPort;
    expect(deployment.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(port));
    for (const { name, value } of container.env) {
      expect(appEnv[app]!.has(name), `${app}: ${name}`).toBe(true);
      if (/_PORT$/.test(name)) expect(value).toBe(String(port));
    }
    const config = ofKind('ConfigMap').find((c) => c.metadata.name === 'tundra-config')!;
    for (const name of Object.keys(config.data)) {
      expect(anyAppReads(name) || name === 'REDIS_ADDRESS', name).toBe(true);
    }
  });

  it.each(Object.entries(workerQueues))('scales the %s with KEDA on its BullMQ wait lists', (app, queues) => {
    const scaled = ofKind('ScaledObject').find((s) => s.spec.scaleTargetRef.name === app);
    if (!scaled) throw new Error(`no ScaledObject scales ${app}`);
    expect(scaled.apiVersion).toBe('keda.sh/v1alpha1');
    const lists = scaled.spec.triggers.map((trigger: any) => {
      expect(trigger.type).toBe('redis');
      return trigger.metadata.listName;
    });
    expect(lists.sort()).toEqual(queues.map((queue) => `${queuePrefix('tundra')}:${queue}:wait`).sort());
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
  });
});
