// Turns the console's script <textarea> into a CodeMirror editor (JavaScript highlighting, line numbers), keeps the
// textarea in sync so every form on the page posts the text being edited, and marks the server's syntax errors at
// their line. Without this bundle the page works with the plain textarea.
import { EditorView, basicSetup } from 'codemirror';
import { javascript } from '@codemirror/lang-javascript';
import { setDiagnostics } from '@codemirror/lint';

function enhance(textarea) {
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      basicSetup,
      javascript(),
      EditorView.contentAttributes.of({ 'aria-label': textarea.getAttribute('aria-label') || 'Script' }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) {
          textarea.value = update.state.doc.toString();
        }
      }),
    ],
  });
  textarea.hidden = true;
  textarea.insertAdjacentElement('afterend', view.dom);

  // "Line 3, column 7: Unexpected token" (one list item per error) becomes a diagnostic at that place.
  const errors = document.querySelectorAll('[data-script-error-line]');
  const diagnostics = [];
  errors.forEach((item) => {
    const line = Number(item.getAttribute('data-script-error-line'));
    const column = Number(item.getAttribute('data-script-error-column') || '1');
    if (line >= 1 && line <= view.state.doc.lines) {
      const at = view.state.doc.line(line);
      const from = Math.min(at.from + Math.max(column - 1, 0), at.to);
      diagnostics.push({ from, to: Math.max(from, at.to), severity: 'error', message: item.textContent.trim() });
    }
  });
  if (diagnostics.length > 0) {
    view.dispatch(setDiagnostics(view.state, diagnostics));
  }

  return view;
}

document.querySelectorAll('textarea[data-editor="javascript"]').forEach(enhance);
