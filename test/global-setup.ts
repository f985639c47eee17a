import { bundleCli } from './helpers/cli.ts'

// test/integration/cli-source.test.ts runs the from-source path (`npm run hearth`) itself.
export default bundleCli
