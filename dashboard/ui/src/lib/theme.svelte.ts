// Light / dark theme: follows prefers-color-scheme unless the user picked one (stored in localStorage).

export type ThemeMode = 'auto' | 'light' | 'dark';
const KEY = 'aima.theme';

function stored(): ThemeMode {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

class Theme {
  mode = $state<ThemeMode>(stored());
  #systemDark = $state(false);
  /** The theme in effect. */
  readonly resolved = $derived<'light' | 'dark'>(
    this.mode === 'auto' ? (this.#systemDark ? 'dark' : 'light') : this.mode,
  );

  constructor() {
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    this.#systemDark = mq.matches;
    mq.addEventListener('change', (e) => {
      this.#systemDark = e.matches;
    });
  }

  /** auto → light → dark → auto. */
  cycle(): void {
    this.set(this.mode === 'auto' ? 'light' : this.mode === 'light' ? 'dark' : 'auto');
  }

  set(mode: ThemeMode): void {
    this.mode = mode;
    const root = document.documentElement;
    if (mode === 'auto') delete root.dataset.theme;
    else root.dataset.theme = mode;
    try {
      if (mode === 'auto') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, mode);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }
}

export const theme = new Theme();
