// Validates a stream of rendered manifests (`kubectl kustomize … | node validate.mjs`, or a file argument): every
// object must be of a kind we know and pass its schema, and the objects must fit together (selectors, references,
// probe ports). Exits 1 with every problem found, 0 when none.
//
// Kubernetes' own kinds are checked with kubernetes-models, whose validators are compiled from Kubernetes' OpenAPI
// schema (types, required fields, enums, formats; not unknown fields). CloudNativePG's Cluster and Pooler are checked
// with cnpg.schema.json (see its $comment), where unknown fields do fail.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";
import { ServiceAccount, ConfigMap, Secret, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1";

const models = {
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "networking.k8s.io/v1/Ingress": Ingress,
};
const cnpg = JSON.parse(readFileSync(new URL("./cnpg.schema.json", import.meta.url), "utf8"));
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(cnpg, "cnpg");
const crds = {
  "postgresql.cnpg.io/v1/Cluster": ajv.getSchema("cnpg#/$defs/Cluster"),
  "postgresql.cnpg.io/v1/Pooler": ajv.getSchema("cnpg#/$defs/Pooler"),
};

const input = readFileSync(process.argv[2] ?? 0, "utf8");
const problems = [];
const objects = [];
for (const document of parseAllDocuments(input)) {
  if (document.errors.length > 0) {
    problems.push(`YAML: ${document.errors.map((e) => e.message).join("; ")}`);
    continue;
  }
  const object = document.toJS();
  if (object == null) continue;
  if (object.kind === "Secret" && object.data) {
    // Newer kubectl folds long base64 values over lines; the API server's decoder skips the line breaks.
    for (const [k, v] of Object.entries(object.data)) object.data[k] = typeof v === "string" ? v.replace(/\s+/g, "") : v;
  }
  const key = `${object.apiVersion}/${object.kind}`;
  const name = `${object.kind ?? "?"} ${object.metadata?.name ?? "?"}`;
  objects.push(object);
  if (models[key]) {
    try {
      new models[key](object).validate();
    } catch (error) {
      problems.push(`${name}: ${error.message}`);
    }
  } else if (crds[key]) {
    if (!crds[key](object)) {
      problems.push(`${name}: ${crds[key].errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`).join("; ")}`);
    }
  } else {
    problems.push(`${name}: ${key} is not a kind this validator knows; add its schema before shipping it`);
  }
}

// How the objects fit together: what a schema cannot see.
const named = (kind, n) => objects.find((o) => o.kind === kind && o.metadata?.name === n);
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
const clusters = objects.filter((o) => o.kind === "Cluster").map((o) => o.metadata.name);
// Secrets the CloudNativePG operator creates for each Cluster.
const operatorSecrets = new Set(clusters.flatMap((c) => [`${c}-app`, `${c}-superuser`, `${c}-ca`]));
for (const deployment of objects.filter((o) => o.kind === "Deployment")) {
  const d = `Deployment ${deployment.metadata.name}`;
  const pod = deployment.spec?.template;
  if (!matches(deployment.spec?.selector?.matchLabels, pod?.metadata?.labels)) problems.push(`${d}: the selector does not match the pod template's labels`);
  for (const container of pod?.spec?.containers ?? []) {
    const ports = new Set((container.ports ?? []).flatMap((p) => [p.name, p.containerPort]));
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      const port = container[probe]?.httpGet?.port;
      if (!container[probe]) problems.push(`${d}: container ${container.name} has no ${probe}`);
      else if (port !== undefined && !ports.has(port)) problems.push(`${d}: ${probe} names port ${port}, which the container does not expose`);
    }
    if (!container.resources?.requests?.cpu || !container.resources?.requests?.memory) problems.push(`${d}: container ${container.name} requests no cpu or memory`);
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef && !named("ConfigMap", source.configMapRef.name)) problems.push(`${d}: envFrom names ConfigMap ${source.configMapRef.name}, which is not rendered`);
      if (source.secretRef && !named("Secret", source.secretRef.name)) problems.push(`${d}: envFrom names Secret ${source.secretRef.name}, which is not rendered`);
    }
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (ref && !named("Secret", ref.name) && !operatorSecrets.has(ref.name)) problems.push(`${d}: env ${variable.name} reads Secret ${ref.name}, which neither the render nor the operator provides`);
      const host = /Host=([^;]+)/.exec(variable.name === "ConnectionStrings__Default" ? variable.value ?? "" : "")?.[1];
      if (host && !named("Pooler", host) && !named("Service", host)) problems.push(`${d}: the connection string's host ${host} is no Pooler or Service of the render`);
    }
  }
  for (const volume of pod?.spec?.volumes ?? []) {
    if (volume.configMap && !named("ConfigMap", volume.configMap.name)) problems.push(`${d}: volume ${volume.name} names ConfigMap ${volume.configMap.name}, which is not rendered`);
    if (volume.secret && !named("Secret", volume.secret.secretName)) problems.push(`${d}: volume ${volume.name} names Secret ${volume.secret.secretName}, which is not rendered`);
  }
  const labels = pod?.metadata?.labels;
  if (!objects.some((o) => o.kind === "Service" && matches(o.spec?.selector, labels))) problems.push(`${d}: no Service selects its pods`);
  if (!objects.some((o) => o.kind === "PodDisruptionBudget" && matches(o.spec?.selector?.matchLabels, labels))) problems.push(`${d}: no PodDisruptionBudget covers its pods`);
  if (!objects.some((o) => o.kind === "HorizontalPodAutoscaler" && o.spec?.scaleTargetRef?.kind === "Deployment" && o.spec.scaleTargetRef.name === deployment.metadata.name)) problems.push(`${d}: no HorizontalPodAutoscaler scales it`);
}
for (const pooler of objects.filter((o) => o.kind === "Pooler")) {
  if (!clusters.includes(pooler.spec?.cluster?.name)) problems.push(`Pooler ${pooler.metadata.name}: its cluster ${pooler.spec?.cluster?.name} is not rendered`);
}
for (const ingress of objects.filter((o) => o.kind === "Ingress")) {
  for (const path of (ingress.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? [])) {
    const service = named("Service", path.backend?.service?.name);
    const port = path.backend?.service?.port;
    if (!service) problems.push(`Ingress ${ingress.metadata.name}: backend ${path.backend?.service?.name} is not a rendered Service`);
    else if (port && !service.spec.ports.some((p) => p.name === port.name || p.port === port.number)) problems.push(`Ingress ${ingress.metadata.name}: Service ${service.metadata.name} has no port ${port.name ?? port.number}`);
  }
}

if (objects.length === 0) problems.push("no manifests in the input");
if (problems.length > 0) {
  console.error(`manifests: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`manifests: ${objects.length} objects valid (${[...new Set(objects.map((o) => o.kind))].join(", ")})`);
