// Browser entry: mount the console.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { CommitProfiler } from './lib/commit-profiler';
import { applyTheme, browserThemeHost } from './lib/theme/theme';
import './styles.css';

applyTheme(browserThemeHost());
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
const app = (
  <StrictMode>
    <App />
  </StrictMode>
);
// Only the benchmark's profiling build records commits; elsewhere the condition is a constant
// false and the bundler drops the profiler.
createRoot(root).render(
  import.meta.env.MODE === 'profile' ? <CommitProfiler>{app}</CommitProfiler> : app,
);
