// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROLS_BUT_LINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * The text with its control characters written as escapes (`\u001b`), for text that quotes
 * what a file or a server held (a parser's excerpt of a lock file, a label someone pushed):
 * an escape sequence in it would reach the terminal and act there (clear the screen, set the
 * clipboard, forge a line). `keepLines` keeps line breaks and tabs, for text of many lines.
 */
export const escapeControls = (text: string, { keepLines = false } = {}) =>
  text.replace(
    keepLines ? CONTROLS_BUT_LINES : CONTROLS,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );

/** The text with every control character left out (a line break or tab included). */
export const withoutControls = (text: string) => text.replace(CONTROLS, "");

/** Whether the text holds a control character (a line break or tab included). */
export const hasControls = (text: string) => text.search(CONTROLS) !== -1;
