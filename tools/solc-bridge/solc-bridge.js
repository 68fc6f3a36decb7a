#!/usr/bin/env node
// Modelmint solc bridge: a command-line `solc` served by solc-js (the official
// WebAssembly build from npm), for machines where no native solc can be downloaded.
//
// It implements the part of solc's command line that the project's tools use:
//   solc --version
//   solc --standard-json [--base-path DIR] [--include-path DIR]... [--allow-paths ...]
//        (Standard JSON on stdin, Standard JSON on stdout, exit 0 even on compile errors)
//   solc --combined-json abi,bin,... [remap=target ...] [--optimize] [--optimize-runs N]
//        [--evm-version V] [--base-path DIR] [--allow-paths ...] FILE...
//        (the legacy interface Slither uses for single files and mutation runs)
//
// Imports that the input does not inline are read from disk: absolute paths as they
// are, relative ones against the base path, then each include path, then the
// project's node_modules. That mirrors native solc's resolution rules.
"use strict";

const fs = require("fs");
const path = require("path");

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
const solc = require(path.join(PROJECT_ROOT, "node_modules", "solc"));

function usage(message) {
  process.stderr.write(`solc-bridge: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    mode: null,
    basePath: null,
    includePaths: [],
    combined: null,
    optimize: false,
    runs: 200,
    evmVersion: null,
    remappings: [],
    files: [],
  };
  const takesValue = new Set([
    "--base-path",
    "--include-path",
    "--allow-paths",
    "--combined-json",
    "--optimize-runs",
    "--evm-version",
    "--output-dir",
  ]);
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value = null;
    if (arg.startsWith("--") && arg.includes("=")) {
      [arg, value] = [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)];
    } else if (takesValue.has(arg)) {
      value = argv[++i];
      if (value === undefined) usage(`${arg} needs a value`);
    }
    switch (arg) {
      case "--version":
        opts.mode = opts.mode || "version";
        break;
      case "--standard-json":
        opts.mode = "standard-json";
        break;
      case "--combined-json":
        opts.mode = "combined-json";
        opts.combined = value.split(",").filter(Boolean);
        break;
      case "--base-path":
        opts.basePath = path.resolve(value);
        break;
      case "--include-path":
        opts.includePaths.push(path.resolve(value));
        break;
      case "--optimize":
        opts.optimize = true;
        break;
      case "--optimize-runs":
        opts.runs = parseInt(value, 10);
        break;
      case "--evm-version":
        opts.evmVersion = value;
        break;
      case "--allow-paths":
      case "--output-dir":
      case "--no-color":
      case "--pretty-json":
        break;
      default:
        if (arg.startsWith("--")) usage(`unsupported option ${arg}`);
        if (arg.includes("=") && !fs.existsSync(arg)) opts.remappings.push(arg);
        else opts.files.push(arg);
    }
  }
  return opts;
}

function makeImportReader(opts) {
  const roots = [];
  if (opts.basePath) roots.push(opts.basePath);
  roots.push(...opts.includePaths);
  roots.push(process.cwd());
  roots.push(path.join(PROJECT_ROOT, "node_modules"));
  return function findImports(importPath) {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : roots.map((root) => path.join(root, importPath));
    for (const candidate of candidates) {
      try {
        return { contents: fs.readFileSync(candidate, "utf8") };
      } catch (err) {
        if (err.code !== "ENOENT" && err.code !== "EISDIR") {
          return { error: `${candidate}: ${err.message}` };
        }
      }
    }
    return { error: `File not found. Searched: ${candidates.join(", ")}` };
  };
}

function readStdin() {
  return fs.readFileSync(0, "utf8");
}

function standardJson(opts) {
  const input = readStdin();
  const output = solc.compile(input, { import: makeImportReader(opts) });
  process.stdout.write(output);
  process.stdout.write("\n");
}

// Legacy --combined-json: build a Standard JSON request from files on disk and
// reshape the answer into the old combined format.
function combinedJson(opts) {
  if (opts.files.length === 0) usage("--combined-json needs at least one source file");
  const sources = {};
  for (const file of opts.files) {
    const key = opts.basePath ? path.relative(opts.basePath, path.resolve(file)) : file;
    sources[key] = { content: fs.readFileSync(file, "utf8") };
  }
  const fieldMap = {
    abi: ["abi"],
    bin: ["evm.bytecode.object"],
    "bin-runtime": ["evm.deployedBytecode.object"],
    srcmap: ["evm.bytecode.sourceMap"],
    "srcmap-runtime": ["evm.deployedBytecode.sourceMap"],
    hashes: ["evm.methodIdentifiers"],
    userdoc: ["userdoc"],
    devdoc: ["devdoc"],
    metadata: ["metadata"],
    "storage-layout": ["storageLayout"],
  };
  const selection = new Set();
  for (const field of opts.combined) (fieldMap[field] || []).forEach((s) => selection.add(s));
  const settings = {
    optimizer: { enabled: opts.optimize, runs: opts.runs },
    remappings: opts.remappings,
    outputSelection: { "*": { "*": [...selection], "": ["ast"] } },
  };
  if (opts.evmVersion) settings.evmVersion = opts.evmVersion;
  const request = { language: "Solidity", sources, settings };
  const out = JSON.parse(solc.compile(JSON.stringify(request), { import: makeImportReader(opts) }));
  const errors = (out.errors || []).filter((e) => e.severity === "error");
  for (const e of out.errors || []) process.stderr.write(`${e.formattedMessage || e.message}\n`);
  if (errors.length) process.exit(1);

  const contracts = {};
  for (const [file, byName] of Object.entries(out.contracts || {})) {
    for (const [name, c] of Object.entries(byName)) {
      const entry = {};
      const evm = c.evm || {};
      if (opts.combined.includes("abi")) entry.abi = c.abi;
      if (opts.combined.includes("bin")) entry.bin = evm.bytecode?.object ?? "";
      if (opts.combined.includes("bin-runtime")) entry["bin-runtime"] = evm.deployedBytecode?.object ?? "";
      if (opts.combined.includes("srcmap")) entry.srcmap = evm.bytecode?.sourceMap ?? "";
      if (opts.combined.includes("srcmap-runtime")) entry["srcmap-runtime"] = evm.deployedBytecode?.sourceMap ?? "";
      if (opts.combined.includes("hashes")) entry.hashes = evm.methodIdentifiers ?? {};
      if (opts.combined.includes("userdoc")) entry.userdoc = c.userdoc ?? {};
      if (opts.combined.includes("devdoc")) entry.devdoc = c.devdoc ?? {};
      if (opts.combined.includes("metadata")) entry.metadata = c.metadata ?? "";
      if (opts.combined.includes("storage-layout")) entry["storage-layout"] = c.storageLayout ?? {};
      contracts[`${file}:${name}`] = entry;
    }
  }
  const sourceList = Object.entries(out.sources || {})
    .sort((a, b) => a[1].id - b[1].id)
    .map(([file]) => file);
  const result = { contracts, sourceList, version: solc.version() };
  if (opts.combined.includes("ast")) {
    result.sources = {};
    for (const [file, s] of Object.entries(out.sources || {})) result.sources[file] = { AST: s.ast };
  }
  process.stdout.write(JSON.stringify(result));
  process.stdout.write("\n");
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  switch (opts.mode) {
    case "version":
      process.stdout.write(
        `solc, the solidity compiler commandline interface (solc-js bridge)\nVersion: ${solc.version()}\n`,
      );
      break;
    case "standard-json":
      standardJson(opts);
      break;
    case "combined-json":
      combinedJson(opts);
      break;
    default:
      usage("expected --version, --standard-json or --combined-json");
  }
}

main();
