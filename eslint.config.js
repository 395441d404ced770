// @ts-check
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Module boundaries (STYLE.md): a module is entered only through its index.ts; modules import one another
 * only as types; modules never import workflows or http; workflows never import http; nothing but a
 * module's own files imports its repo.
 */
const boundaries = {
  meta: { type: 'problem', messages: { bad: '{{why}}' }, schema: [] },
  create(context) {
    const file = path.resolve(context.filename);
    const src = path.resolve('src');
    const moduleOf = (p) => {
      const rel = path.relative(path.join(src, 'modules'), p);
      return rel.startsWith('..') ? undefined : rel.split(path.sep)[0];
    };
    const area = (p) => path.relative(src, p).split(path.sep)[0];
    const check = (node, source, typeOnly) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), source);
      if (!target.startsWith(src + path.sep) || !file.startsWith(src + path.sep)) return;
      const from = moduleOf(file);
      const to = moduleOf(target);
      const report = (why) => context.report({ node, messageId: 'bad', data: { why } });
      if (to && from !== to) {
        const base = path.basename(target).replace(/\.(js|ts)$/, '');
        if (base !== 'index') return report(`import module "${to}" through its index.ts, not ${path.basename(target)}`);
        if (from && !typeOnly) return report(`module "${from}" may import module "${to}" only as types; put cross-module work in a workflow`);
      }
      if (from && ['workflows', 'http', 'cli'].includes(area(target))) return report(`module "${from}" may not import ${area(target)}/`);
      if (area(file) === 'workflows' && area(target) === 'http') return report('workflows may not import http/');
      if (area(file) !== 'modules' && /\.repo(\.js|\.ts)?$/.test(target)) return report('only a module itself may use its repo');
    };
    return {
      ImportDeclaration: (n) => check(n, n.source.value, n.importKind === 'type' || n.specifiers.every((s) => s.importKind === 'type')),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value, n.exportKind === 'type'),
      ExportAllDeclaration: (n) => check(n, n.source.value, n.exportKind === 'type'),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value, false),
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'web/dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { tandem: { rules: { boundaries } } },
    rules: {
      'tandem/boundaries': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  { files: ['**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
