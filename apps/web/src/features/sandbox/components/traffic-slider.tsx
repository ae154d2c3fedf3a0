// The demo traffic rate: a slider that shows the value as it moves and sends it when released
// (or on Enter / arrow keys), so dragging does not send a request per pixel.
import { useId, useState } from 'react';

export const maxTrafficPerSecond = 50;

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
  const commit = () => {
    if (draft !== perSecond) onCommit(draft);
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
        onKeyUp={commit}
        onBlur={commit}
        data-testid="traffic-slider"
      />
      <output htmlFor={id} data-testid="traffic-value">
        {draft === 0 ? 'Paused' : `${draft}/s`}
      </output>
    </div>
  );
}
