import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import globals from 'globals'
import svelte from 'eslint-plugin-svelte'
import tseslint from 'typescript-eslint'

const electronModule = { regex: '^electron(/.*)?$', message: 'core/ and renderer/ never import electron: Electron-only code lives in electron/ behind interfaces core defines.' }
const dynamicElectronImport = {
  selector: "ImportExpression[source.value=/^electron(\\u002F|$)/]",
  message: 'core/ never imports electron, not even lazily.'
}

export default defineConfig(
  globalIgnores(['node_modules/', 'dist/', 'out/', '.ci/node24/', '.ci/node24-headers/', 'bench-report/', '.hearth-test/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  // Svelte components are linted too, so the renderer's layering rules below cover them as well as its .ts files.
  svelte.configs.recommended,
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } }
  },
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }]
    }
  },
  {
    // Tests read untyped JSON (CLI output, fixtures) and feed deliberately wrong input; core stays strict.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' }
  },

  // Layering is enforced here, not by review: an import from the wrong side would break the daemon, the CLI or the sandbox.
  {
    // core/ runs in Electron's main process, the daemon, the CLI and tests alike.
    files: ['core/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          electronModule,
          { regex: '^\\.{1,2}/(.*/)?(electron|renderer)/', message: 'core/ never depends on a face (electron/, renderer/).' }
        ]
      }],
      'no-restricted-syntax': ['error', dynamicElectronImport]
    }
  },
  {
    // The sandboxed renderer speaks only the api contract: it never sees a key, a socket or a file.
    files: ['renderer/**'],
    languageOptions: { globals: globals.browser },
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          electronModule,
          { regex: '^node:', message: 'The renderer is sandboxed: no Node modules.' },
          { regex: '(^|/)core/(?!api(/|$))', message: 'renderer/ may import only core/api from core.' },
          { regex: '^\\.{1,2}/(.*/)?electron/', message: 'renderer/ never imports electron/: the preload exposes the api.' }
        ]
      }]
    }
  },
  {
    // The Electron shell stays thin: it loads the polyfills, starts the app core and relays the api; it may implement (import types of) interfaces anywhere in core.
    files: ['electron/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{
          regex: '(^|/)core/(?!api(/|$)|host\\.ts$|app/index\\.ts$|common/(polyfills|paths)\\.ts$|daemon/ui/renderer-build\\.ts$)',
          allowTypeImports: true,
          message: 'electron/ may import values only from core/api, core/host.ts, core/app/index.ts, core/common/{polyfills,paths}.ts and the renderer build.'
        }]
      }]
    }
  }
)
