import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

export type { SchemaEngine };

declare global {
  var PRISMA_WASM_PANIC_REGISTRY: { set_message(message: string): void; message: string | undefined };
}

// Node has WebAssembly at run time; TypeScript declares it only in the DOM library.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, object>) => { exports: object };
};

let initialised: Promise<void> | undefined;

// The package's own entry point imports the .wasm file as an ES module, which Node 20 only
// allows behind --experimental-wasm-modules; instantiate it by hand instead.
function initialise(): Promise<void> {
  initialised ??= (async () => {
    globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
      message: undefined,
      set_message(message: string) {
        this.message = message;
      },
    };
    const require = createRequire(import.meta.url);
    const bindingsPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const wasmPath = join(dirname(bindingsPath), 'schema_engine_bg.wasm');
    const module = new WebAssembly.Module(await readFile(wasmPath));
    const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': bindings });
    bindings.__wbg_set_wasm(instance.exports as Parameters<typeof bindings.__wbg_set_wasm>[0]);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  })();
  return initialised;
}

export async function engineVersion(): Promise<string> {
  await initialise();
  return bindings.version();
}

export async function startSchemaEngine(
  datamodels: [path: string, content: string][],
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  log: (line: string) => void,
): Promise<SchemaEngine> {
  await initialise();
  return bindings.SchemaEngine.new(
    // An empty list of schema files is not "no schema": the engine traps on it.
    { datamodels: datamodels.length > 0 ? datamodels : undefined },
    log,
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
}

export function lastPanicMessage(): string | undefined {
  return globalThis.PRISMA_WASM_PANIC_REGISTRY?.message;
}
