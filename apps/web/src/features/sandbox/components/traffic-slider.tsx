// The demo traffic rate: a slider that shows the value as it moves and sends it when released,
// or shortly after the last arrow key, so neither a drag nor a run of key presses sends a request
// per step.
import { useEffect, useId, useRef, useState } from 'react';

export const maxTrafficPerSecond = 50;

/** How long after the last key press the value is sent. */
export const keyCommitDelayMs = 400;

export function TrafficSlider({
  perSecond,
  onCommit,
  disabled = false,
}: {
  perSecond: number;
  onCommit: (perSecond: number) => void;
  disabled?: boolean;
}) {
  const [draft, setDraft] = useState(perSecond);
  const id = useId();
  // A change from elsewhere (another tab, a reset) moves the slider too: adjusted while
  // rendering, as React recommends, rather than in an effect that renders twice.
  const [seen, setSeen] = useState(perSecond);
  if (seen !== perSecond) {
    setSeen(perSecond);
    setDraft(perSecond);
  }
  const latest = useRef({ draft, perSecond, onCommit });
  useEffect(() => {
    latest.current = { draft, perSecond, onCommit };
  });
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const commit = () => {
    window.clearTimeout(timer.current);
    const { draft: value, perSecond: current, onCommit: send } = latest.current;
    if (value !== current) send(value);
  };
  const commitSoon = () => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(commit, keyCommitDelayMs);
  };

  return (
    <div className="field traffic">
      <label htmlFor={id}>Traffic: overview runs per second</label>
      <input
        id={id}
        type="range"
        min={0}
        max={maxTrafficPerSecond}
        step={1}
        value={draft}
        disabled={disabled}
        aria-valuetext={draft === 0 ? 'paused' : `${draft} per second`}
        onChange={(event) => setDraft(Number(event.target.value))}
        onPointerUp={commit}
        onKeyUp={commitSoon}
        onBlur={commit}
        data-testid="traffic-slider"
      />
      <output htmlFor={id} data-testid="traffic-value">
        {draft === 0 ? 'Paused' : `${draft}/s`}
      </output>
    </div>
  );
}
