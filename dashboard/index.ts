// @aima/dashboard: the HTTP + WebSocket server and the Svelte UI (next issue). Nothing is exported yet.
export {};
