// Lets TypeScript accept `import './style.css'`: esbuild bundles the stylesheet into dist/webview.css.
// Declares nothing else; the webview must not rely on CSS module exports.
declare module '*.css';
