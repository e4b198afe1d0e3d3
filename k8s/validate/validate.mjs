// Validates rendered Kubernetes manifests (e.g. `kubectl kustomize k8s/overlays/prod`), three ways:
//  1. every object against the Kubernetes API schemas of kubernetes-models (types, formats, required fields);
//  2. no unknown field anywhere: each object is walked beside kubernetes-models' TypeScript type for it, with the
//     TypeScript compiler's type checker (the schemas alone accept any extra field);
//  3. every pod template against the Pod Security Standards "restricted" profile (pod-security.mjs).
//
// Usage: node validate.mjs [--json out.json] file.yaml...   (no file: reads stdin)
// Prints one line per problem and exits 1 when there is any; otherwise prints what it checked and exits 0.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";
import ts from "typescript";
import { restrictedViolations, podSpecOf, podAnnotationsOf } from "./pod-security.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export function parseManifests(text, source) {
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new Error(`${source}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
    }
    const object = doc.toJS();
    if (object !== null && object !== undefined) {
      objects.push(object);
    }
  }
  return objects;
}

function nameOf(object) {
  return `${object?.kind ?? "?"}/${object?.metadata?.name ?? "?"}`;
}

/** kubernetes-models' module for an apiVersion: "v1" → kubernetes-models/v1, "apps/v1" → kubernetes-models/apps/v1. */
function modulePath(apiVersion) {
  if (typeof apiVersion !== "string" || !/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion)) {
    return null;
  }
  return `kubernetes-models/${apiVersion}`;
}

function schemaErrors(object) {
  const path = modulePath(object?.apiVersion);
  if (path === null) {
    return [`apiVersion ${JSON.stringify(object?.apiVersion)} is not a Kubernetes API version`];
  }
  let models;
  try {
    models = require(path);
  } catch {
    return [`apiVersion ${object.apiVersion} is not a built-in Kubernetes API`];
  }
  const Model = models[object.kind];
  if (typeof Model !== "function" || Model.kind !== object.kind) {
    return [`kind ${object.kind} does not exist in ${object.apiVersion}`];
  }
  try {
    new Model(object).validate();
    return [];
  } catch (e) {
    return String(e.message).split(/, (?=data)/).map((m) => m.replace(/^data/, "schema: "));
  }
}

/**
 * Every field the Kubernetes API does not have, at any depth: each object is walked beside the TypeScript type
 * kubernetes-models declares for it (generated from the same API definitions as its schemas, which accept any
 * extra field). Types and formats are the schema check's; this one only asks "does this field exist here?".
 */
function unknownFieldErrors(objects) {
  const lines = [];
  const checked = [];
  objects.forEach((object, i) => {
    const path = modulePath(object?.apiVersion);
    if (path !== null && typeof object.kind === "string" && /^[A-Za-z]+$/.test(object.kind)) {
      lines.push(`import type { I${object.kind} as T${i} } from "${path}/${object.kind}";`, `declare const t${i}: T${i};`);
      checked.push(i);
    }
  });
  const dir = mkdtempSync(join(here, ".check-"));
  try {
    const file = join(dir, "manifests.ts");
    writeFileSync(file, lines.join("\n"));
    const program = ts.createProgram([file], {
      noEmit: true, strict: true, skipLibCheck: true, types: [],
      module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
    });
    const checker = program.getTypeChecker();
    const declarations = new Map();
    for (const statement of program.getSourceFile(file).statements) {
      if (ts.isVariableStatement(statement)) {
        const declaration = statement.declarationList.declarations[0];
        declarations.set(declaration.name.text, declaration);
      }
    }
    const problems = [];
    for (const i of checked) {
      const declaration = declarations.get(`t${i}`);
      const type = checker.getTypeAtLocation(declaration.name);
      if (type.flags & ts.TypeFlags.Any) {
        problems.push(`${nameOf(objects[i])}: kind ${objects[i].kind} has no type in ${objects[i].apiVersion}`);
        continue;
      }
      walk(checker, declaration, objects[i], type, "", (where) =>
        problems.push(`${nameOf(objects[i])}: unknown field ${where}`));
    }
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function walk(checker, location, value, declared, path, unknown) {
  if (value === null || typeof value !== "object") {
    return;
  }
  const type = checker.getNonNullableType(declared);
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) {
    return; // free-form by the API's own definition
  }
  const members = type.isUnion() ? type.types : [type];
  if (Array.isArray(value)) {
    const element = members.map((t) => checker.getIndexTypeOfType(t, ts.IndexKind.Number)).find((t) => t);
    if (element !== undefined) {
      value.forEach((item, index) => walk(checker, location, item, element, `${path}[${index}]`, unknown));
    }
    return; // an array where the API has none: the schema check reports the type
  }
  const objectTypes = members.filter((t) => t.flags & ts.TypeFlags.Object && checker.getIndexTypeOfType(t, ts.IndexKind.Number) === undefined);
  if (objectTypes.length === 0) {
    return; // an object where the API has a scalar: the schema check reports the type
  }
  for (const [key, child] of Object.entries(value)) {
    const where = path === "" ? key : `${path}.${key}`;
    const property = objectTypes.map((t) => checker.getPropertyOfType(t, key)).find((p) => p);
    if (property !== undefined) {
      walk(checker, location, child, checker.getTypeOfSymbolAtLocation(property, location), where, unknown);
      continue;
    }
    const values = objectTypes.map((t) => checker.getIndexTypeOfType(t, ts.IndexKind.String)).find((t) => t);
    if (values !== undefined) {
      walk(checker, location, child, values, where, unknown);
    } else {
      unknown(where);
    }
  }
}

export function validate(objects) {
  const problems = [];
  for (const object of objects) {
    for (const error of schemaErrors(object)) {
      problems.push(`${nameOf(object)}: ${error}`);
    }
    const pod = podSpecOf(object);
    if (pod !== null) {
      for (const violation of restrictedViolations(pod, podAnnotationsOf(object))) {
        problems.push(`${nameOf(object)}: Pod Security restricted: ${violation}`);
      }
    }
  }
  problems.push(...unknownFieldErrors(objects));
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let jsonOut = null;
  if (args[0] === "--json") {
    jsonOut = args[1];
    args.splice(0, 2);
  }
  const inputs = args.length > 0 ? args.map((f) => [f, readFileSync(f, "utf8")]) : [["stdin", readFileSync(0, "utf8")]];
  let objects = [];
  try {
    for (const [source, text] of inputs) {
      objects = objects.concat(parseManifests(text, source));
    }
  } catch (e) {
    console.log(e.message);
    process.exit(1);
  }
  if (jsonOut !== null) {
    writeFileSync(jsonOut, JSON.stringify(objects, null, 1));
  }
  const problems = objects.length === 0 ? ["no Kubernetes object in the input"] : validate(objects);
  for (const problem of problems) {
    console.log(problem);
  }
  if (problems.length > 0) {
    console.log(`INVALID: ${problems.length} problem(s) in ${objects.length} object(s)`);
    process.exit(1);
  }
  console.log(`valid: ${objects.map(nameOf).join(", ")}`);
}
