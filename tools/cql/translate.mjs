// Translates every *.cql file of a directory to ELM JSON (<name>.json beside
// it, or in the output directory given) with the HL7 reference translator's
// JavaScript build. Any error, or any warning, fails the run.
//
//   node translate.mjs CQL_DIR [OUT_DIR]
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);
globalThis.require = require; // the Kotlin build's I/O layer looks for it

const { SystemModelInfoProvider } = await import("@cqframework/cql/cql");
const {
  CqlCompilerOptions,
  CqlTranslator,
  LibraryManager,
  ModelManager,
  createLibrarySourceProvider,
  createModelInfoProvider,
  createUcumService,
  stringAsSource,
} = await import("@cqframework/cql/cql-to-elm");
const ucum = require("@lhncbc/ucum-lhc").UcumLhcUtils.getInstance();

const [cqlDir, outDir = cqlDir] = process.argv.slice(2);
if (!cqlDir) {
  console.error("usage: node translate.mjs CQL_DIR [OUT_DIR]");
  process.exit(2);
}

const fhirModelInfo = fs.readFileSync(
  require.resolve("cql-exec-fhir/lib/modelInfos/fhir-modelinfo-4.0.1.xml"),
  "utf8",
);
const modelManager = new ModelManager();
modelManager.modelInfoLoader.registerModelInfoProvider(new SystemModelInfoProvider());
modelManager.modelInfoLoader.registerModelInfoProvider(
  createModelInfoProvider((id, system, version) =>
    id === "FHIR" && (version === null || version === "4.0.1")
      ? stringAsSource(fhirModelInfo)
      : null,
  ),
);

const sources = new Map();
for (const name of fs.readdirSync(cqlDir).sort()) {
  if (!name.endsWith(".cql")) continue;
  const text = fs.readFileSync(path.join(cqlDir, name), "utf8");
  const match = /^\s*library\s+("?)([A-Za-z0-9_]+)\1(?:\s+version\s+'([^']+)')?/m.exec(text);
  if (!match) throw new Error(`${name}: no library declaration`);
  sources.set(`${match[2]}|${match[3] ?? ""}`, { name, text });
}

const ucumService = createUcumService(
  (value, from, to) => {
    const result = ucum.convertUnitTo(from, Number(value), to);
    if (result.status !== "succeeded") throw new Error(result.msg.join("; "));
    return String(result.toVal);
  },
  (unit) => {
    const result = ucum.validateUnitString(unit, true);
    return result.status === "valid" ? null : `${unit}: ${result.msg.join("; ")}`;
  },
  () => {
    throw new Error("unit multiplication is not used by these libraries");
  },
  () => {
    throw new Error("unit division is not used by these libraries");
  },
);
const options = new CqlCompilerOptions();
const libraryManager = new LibraryManager(modelManager, options, null, ucumService);
libraryManager.librarySourceLoader.registerProvider(
  createLibrarySourceProvider((id, system, version) => {
    const found = sources.get(`${id}|${version ?? ""}`);
    return found ? stringAsSource(found.text) : null;
  }),
);

let failed = false;
for (const { name, text } of sources.values()) {
  const translator = CqlTranslator.fromText(text, libraryManager);
  const elm = JSON.parse(translator.toJson());
  for (const note of elm.library.annotation ?? []) {
    if (note.type !== "CqlToElmError") continue;
    console.error(
      `${name}:${note.startLine}:${note.startChar}: ${note.errorSeverity}: ${note.message}`,
    );
    // FHIRHelpers, as published, translates with warnings; ours must translate clean.
    if (note.errorSeverity === "error" || !name.startsWith("FHIRHelpers")) failed = true;
  }
  const out = path.join(outDir, name.replace(/\.cql$/, ".json"));
  fs.writeFileSync(out, JSON.stringify(elm, null, 2) + "\n");
}
process.exit(failed ? 1 : 0);
