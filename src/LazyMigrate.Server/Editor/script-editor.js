// Turns the console's script <textarea> into a CodeMirror editor (JavaScript highlighting, line numbers), keeps the
// textarea in sync so every form on the page posts the text being edited, and marks the server's syntax errors at
// their line. Without this bundle the page works with the plain textarea.
//
// The editor lives in a shadow root: CodeMirror injects its styles at run time, into a <style> element in a document
// (which the console's CSP, style-src 'self', rightly refuses) but as a constructed style sheet in a shadow root.
import { EditorView, basicSetup } from 'codemirror';
import { javascript } from '@codemirror/lang-javascript';
import { lintGutter, setDiagnostics } from '@codemirror/lint';

// The page's colours (CSS custom properties inherit into the shadow root) and a bounded, scrolling height.
const consoleTheme = EditorView.theme({
  '&': { border: '1px solid var(--border)', borderRadius: '0.4rem', backgroundColor: 'var(--card)', color: 'var(--fg)', maxHeight: '36rem', fontSize: '0.9rem' },
  '&.cm-focused': { outline: '3px solid var(--accent)', outlineOffset: '2px' },
  '.cm-scroller': { overflow: 'auto', fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
  '.cm-gutters': { backgroundColor: 'var(--bg)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--accent) 8%, transparent)' },
  '.cm-cursor': { borderLeftColor: 'var(--fg)' },
});

function enhance(textarea) {
  const host = document.createElement('div');
  host.className = 'script-editor';
  textarea.insertAdjacentElement('afterend', host);
  const root = host.attachShadow({ mode: 'open' });
  const view = new EditorView({
    root,
    parent: root,
    doc: textarea.value,
    extensions: [
      basicSetup,
      javascript(),
      lintGutter(),
      consoleTheme,
      EditorView.contentAttributes.of({ 'aria-label': textarea.getAttribute('aria-label') || 'Script' }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) {
          textarea.value = update.state.doc.toString();
        }
      }),
    ],
  });
  textarea.hidden = true;

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
    view.dispatch({ effects: EditorView.scrollIntoView(diagnostics[0].from, { y: 'center' }) });
  }

  return view;
}

document.querySelectorAll('textarea[data-editor="javascript"]').forEach(enhance);
