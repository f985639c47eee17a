// Types of bundle.mjs, which stays JavaScript so `npm start` runs it before any TypeScript loader exists.
export declare const ROOT: string
export declare const NATIVE_PACKAGES: readonly string[]
export declare const SOURCE_PRELOAD: string
export declare function bundlePreload (outfile?: string): Promise<string>
export declare function bundleMain (outfile: string): Promise<string>
