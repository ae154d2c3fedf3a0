// A labelled <select> over a fixed list of string choices (the filter and sort rows of the overview
// and the recent-calls log): only a listed choice is ever handed on.
import { useId } from 'react';

/**
 * @example <ChoiceSelect label="Sort by" choices={sorts} value={sort} onChange={setSort} />
 */
export function ChoiceSelect<T extends string>({
  label,
  choices,
  value,
  onChange,
  labelOf = (choice) => choice,
}: {
  label: string;
  choices: readonly T[];
  value: T;
  onChange: (choice: T) => void;
  /** The text of each option; the choice itself by default. */
  labelOf?: (choice: T) => string;
}) {
  const id = useId();
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(event) => {
          const next = choices.find((c) => c === event.target.value);
          if (next !== undefined) onChange(next);
        }}
      >
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {labelOf(choice)}
          </option>
        ))}
      </select>
    </>
  );
}
