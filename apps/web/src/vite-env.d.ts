/** Vite's client types: lets TypeScript accept the stylesheet import and `import.meta.env`. */
/// <reference types="vite/client" />
