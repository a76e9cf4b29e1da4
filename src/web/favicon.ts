/** The favicon: a key in a rounded square, in the accent colour. SVG, served from the broker itself. */
export const FAVICON_PATH = '/favicon.svg';

export const favicon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#0b5cad"/>
<circle cx="11.5" cy="16" r="5.5" fill="none" stroke="#fff" stroke-width="3"/>
<path d="M17 16h10m-3 0v4.5m-4-4.5v3.5" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round"/>
</svg>
`;
