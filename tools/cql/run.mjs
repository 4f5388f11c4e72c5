// Runs the BaricitinibDosing ELM with the reference JavaScript engine
// (cql-execution, FHIR data from cql-exec-fhir) on batches of patient bundles.
//
//   node run.mjs ELM_DIR < request.json > results.json
//
// The request: {"valueSets": [FHIR ValueSet, ...], "batches": [{"on": "YYYY-MM-DD",
// "bundles": [Bundle, ...]}, ...]}. The answer: one list per batch of
// {"id": Patient.id, "Status": ..., "DoseMg": ...}, and the milliseconds each
// batch took. One data source per batch; results are keyed by Patient.id.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);
const cql = require("cql-execution");
const cqlfhir = require("cql-exec-fhir");

const elmDir = process.argv[2];
const readElm = (name) => JSON.parse(fs.readFileSync(path.join(elmDir, name), "utf8"));
const library = new cql.Library(
  readElm("BaricitinibDosing.json"),
  new cql.Repository({ FHIRHelpers: readElm("FHIRHelpers-4.0.1.json") }),
);

const request = JSON.parse(fs.readFileSync(0, "utf8"));
const valueSets = {};
for (const valueSet of request.valueSets) {
  valueSets[valueSet.url] = {
    [valueSet.version ?? ""]: valueSet.expansion.contains.map((item) => ({
      system: item.system,
      code: item.code,
    })),
  };
}
const codeService = new cql.CodeService(valueSets);

const answers = [];
for (const batch of request.batches) {
  const started = process.hrtime.bigint();
  const on = cql.Date.parse(batch.on);
  const executor = new cql.Executor(library, codeService, { On: on });
  const source = cqlfhir.PatientSource.FHIRv401();
  source.loadBundles(batch.bundles);
  const results = await executor.exec(source);
  const rows = Object.entries(results.patientResults).map(([id, result]) => ({
    id,
    Status: result.Status ?? null,
    DoseMg: result.DoseMg ?? null,
  }));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  answers.push({ rows, ms });
}
process.stdout.write(JSON.stringify(answers));
