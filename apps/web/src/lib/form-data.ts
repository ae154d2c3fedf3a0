// Reads text fields from a submitted form (FormData also holds files, which no form here has).

/** The trimmed text of field `name`, or '' when it is missing or a file. */
export function formText(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}
