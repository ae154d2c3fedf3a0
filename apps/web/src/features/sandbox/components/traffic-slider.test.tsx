// @vitest-environment jsdom
// The traffic slider sends one value per gesture: on release, or once after a run of arrow keys.
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keyCommitDelayMs, TrafficSlider } from './traffic-slider';

describe('TrafficSlider', () => {
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('sends the value once after the last key, not per step', () => {
    vi.useFakeTimers();
    const onCommit = vi.fn();
    render(<TrafficSlider perSecond={4} onCommit={onCommit} />);
    const slider = screen.getByLabelText('Traffic: overview runs per second');
    for (const value of ['5', '6']) {
      fireEvent.change(slider, { target: { value } });
      fireEvent.keyUp(slider, { key: 'ArrowRight' });
    }
    expect(screen.getByTestId('traffic-value').textContent).toBe('6/s');
    expect(onCommit).not.toHaveBeenCalled();
    act(() => {
      vi.advanceTimersByTime(keyCommitDelayMs);
    });
    expect(onCommit).toHaveBeenCalledTimes(1);
    expect(onCommit).toHaveBeenCalledWith(6);
  });

  it('sends on release, and nothing when the value did not change', () => {
    const onCommit = vi.fn();
    render(<TrafficSlider perSecond={4} onCommit={onCommit} />);
    const slider = screen.getByLabelText('Traffic: overview runs per second');
    fireEvent.pointerUp(slider);
    expect(onCommit).not.toHaveBeenCalled();
    fireEvent.change(slider, { target: { value: '0' } });
    expect(slider.getAttribute('aria-valuetext')).toBe('paused');
    fireEvent.pointerUp(slider);
    expect(onCommit).toHaveBeenCalledWith(0);
  });

  it('follows a rate changed elsewhere', () => {
    const { rerender } = render(<TrafficSlider perSecond={4} onCommit={vi.fn()} />);
    rerender(<TrafficSlider perSecond={9} onCommit={vi.fn()} />);
    expect(screen.getByLabelText<HTMLInputElement>('Traffic: overview runs per second').value).toBe(
      '9',
    );
  });
});
