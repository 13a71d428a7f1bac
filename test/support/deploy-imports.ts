// The compiled import graph of a program and the checks of its runtime
// dependencies. From the program's entry points, each module is compiled on
// its own with the build's compiler options (ts.transpileModule emits what tsc
// emits for it: the build uses isolatedModules and verbatimModuleSyntax), and
// the imports of the emitted JavaScript are followed: static imports and
// re-exports, import() and require.resolve() of a literal. Type-only imports
// are gone from the output, so what is left is what runs.
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, posix } from 'node:path';
import ts from 'typescript';

export interface ImportGraph {
  /** Source modules reached, as paths from the project root (e.g. src/main.ts), sorted. */
  readonly modules: readonly string[];
  /** Packages imported (bare specifiers reduced to the package name), each with the modules importing it. */
  readonly packages: ReadonlyMap<string, readonly string[]>;
}

export interface RuntimeProgram {
  readonly name: 'backend' | 'media-gateway';
  /** The npm workspace holding its runtime dependencies. */
  readonly workspace: string;
  readonly entries: readonly string[];
  /** Source folders its modules may come from. */
  readonly sources: readonly string[];
}

export const RUNTIME_PROGRAMS: readonly RuntimeProgram[] = [
  { name: 'backend', workspace: 'src', entries: ['src/main.ts', 'src/db/cli.ts', 'src/admin/cli.ts'], sources: ['src/', 'media/contract/'] },
  { name: 'media-gateway', workspace: 'media', entries: ['media/main.ts'], sources: ['media/'] },
];

function buildOptions(root: string): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.build.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error('tsconfig.build.json cannot be read');
  // NodeNext takes a module's format from package.json, which transpileModule
  // does not read; "type": "module" makes every module ESM, as ESNext emits.
  return { ...parsed.options, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler };
}

/** Module specifiers of emitted JavaScript: import/export ... from, import(), require() and require.resolve() of a string literal. */
function specifiersOf(javascript: string, fileName: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0]!)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const isResolve = ts.isPropertyAccessExpression(callee) && callee.name.text === 'resolve' && ts.isIdentifier(callee.expression) && callee.expression.text === 'require';
      if (isImport || isRequire || isResolve) found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(fileName, javascript, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS));
  return found;
}

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The source module a relative specifier of `from` names (`./x.js` is compiled from `./x.ts`). */
function resolveRelative(root: string, from: string, specifier: string): string {
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidates = target.endsWith('.js') ? [target.replace(/\.js$/, '.ts'), target] : target.endsWith('.mjs') ? [target.replace(/\.mjs$/, '.mts'), target] : [];
  const found = candidates.find((candidate) => existsSync(join(root, candidate)));
  if (!found) throw new Error(`${from}: cannot resolve ${specifier} (relative imports name the emitted .js file)`);
  return found;
}

export function programImportGraph(root: string, entries: readonly string[]): ImportGraph {
  const options = buildOptions(root);
  const modules = new Set<string>(entries);
  const packages = new Map<string, string[]>();
  const queue = [...entries];
  while (queue.length > 0) {
    const module = queue.shift()!;
    const source = readFileSync(join(root, module), 'utf8');
    const emitted = module.endsWith('.ts') || module.endsWith('.mts') ? ts.transpileModule(source, { compilerOptions: options, fileName: module }).outputText : source;
    for (const specifier of specifiersOf(emitted, module)) {
      if (specifier.startsWith('.')) {
        const target = resolveRelative(root, module, specifier);
        if (!modules.has(target)) {
          modules.add(target);
          queue.push(target);
        }
      } else if (!isBuiltin(specifier)) {
        const name = packageOf(specifier);
        packages.set(name, [...(packages.get(name) ?? []), module]);
      }
    }
  }
  return { modules: [...modules].sort(), packages };
}

export interface WorkspaceManifest {
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
}

export function readManifest(root: string, folder: string): WorkspaceManifest {
  return JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as WorkspaceManifest;
}

/**
 * Problems of one program's runtime dependencies: every package it imports is
 * a dependency of its workspace, every dependency is imported, no module comes
 * from outside its sources, and the workspace has no development dependencies
 * (those belong to the root).
 */
export function checkRuntimeDependencies(program: RuntimeProgram, graph: ImportGraph, manifest: WorkspaceManifest): string[] {
  const problems: string[] = [];
  const where = `${program.workspace}/package.json`;
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})]);
  for (const [name, importers] of graph.packages) {
    if (!declared.has(name)) problems.push(`${importers[0]} imports ${name}, which is not a runtime dependency of the ${program.name} (${where})`);
  }
  for (const name of declared) {
    if (!graph.packages.has(name)) problems.push(`${where}: ${name} is a runtime dependency, but the ${program.name} never imports it at run time`);
  }
  for (const name of Object.keys(manifest.devDependencies ?? {})) {
    problems.push(`${where}: development dependency ${name} belongs in the root package.json`);
  }
  for (const module of graph.modules) {
    if (!program.sources.some((folder) => module.startsWith(folder))) problems.push(`the ${program.name} imports ${module}, outside its sources (${program.sources.join(', ')})`);
  }
  return problems;
}
