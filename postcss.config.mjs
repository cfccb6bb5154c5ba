// Tailwind 4 runs as a PostCSS plugin; Next picks this file up by name.
const config = { plugins: { "@tailwindcss/postcss": {} } };

export default config;
