/* The "Publish to" panel: live counter and preview (counted on the server by the same code that
 * sends the post), and status polling after Publish. A Stimulus controller, like Wagtail's own. */
(() => {
  const register = () => {
    const app = window.wagtail && window.wagtail.app;
    const Stimulus = window.StimulusModule;
    if (!app || !Stimulus) return false;

    class CrosspostController extends Stimulus.Controller {
      static values = {
        previewUrl: String,
        statusUrl: String,
        page: String,
        pending: Boolean,
      };

      connect() {
        this.timer = null;
        this.form = this.element.closest('form');
        this.onInput = this.onInput.bind(this);
        this.element.addEventListener('input', this.onInput);
        this.element.addEventListener('change', this.onInput);
        this.title = this.form && this.form.querySelector('[name="title"]');
        if (this.title) this.title.addEventListener('input', this.onInput);
        this.refreshAll();
        if (this.pendingValue) this.poll();
      }

      disconnect() {
        this.element.removeEventListener('input', this.onInput);
        this.element.removeEventListener('change', this.onInput);
        if (this.title) this.title.removeEventListener('input', this.onInput);
        clearTimeout(this.timer);
        clearTimeout(this.pollTimer);
      }

      onInput() {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.refreshAll(), 350);
      }

      rows() {
        return Array.from(this.element.querySelectorAll('[data-crosspost-row]'));
      }

      refreshAll() {
        this.rows().forEach((row) => {
          const box = row.querySelector('[data-crosspost-preview]');
          const enabled = row.querySelector('input[type="checkbox"][name$="-enabled"]');
          if (!enabled || !enabled.checked) {
            if (box) box.hidden = true;
            return;
          }
          this.refresh(row);
        });
      }

      field(name) {
        const el = this.form && this.form.querySelector(`[name="${name}"]`);
        return el ? el.value : '';
      }

      async refresh(row) {
        const body = new FormData();
        body.append('csrfmiddlewaretoken', this.field('csrfmiddlewaretoken'));
        body.append('channel', row.dataset.channel);
        body.append('page', this.pageValue || '');
        body.append('title', this.field('title'));
        body.append('intro', this.field('intro') || this.field('search_description'));
        body.append('image', this.field('image'));
        const message = row.querySelector('textarea[name$="-message"]');
        body.append('message', message ? message.value : '');
        // Answers may arrive out of order while the editor types: only the newest one counts.
        const seq = (this.seq = (this.seq || 0) + 1);
        row.dataset.crosspostSeq = seq;
        let data;
        try {
          const response = await fetch(this.previewUrlValue, {
            method: 'POST', body, credentials: 'same-origin',
          });
          if (!response.ok) return;
          data = await response.json();
        } catch (e) {
          return;
        }
        if (row.dataset.crosspostSeq !== String(seq)) return;
        const counter = row.querySelector('[data-crosspost-counter]');
        if (counter) {
          counter.textContent = `${data.count} / ${data.limit}`;
          counter.dataset.state = data.state;
          const warn = row.querySelector('[data-crosspost-warning]');
          if (warn) {
            warn.hidden = data.state !== 'over';
          }
        }
        const box = row.querySelector('[data-crosspost-preview]');
        if (!box) return;
        box.hidden = false;
        box.querySelector('[data-crosspost-preview-text]').textContent = data.text;
        const img = box.querySelector('img');
        if (data.image) {
          img.src = data.image.url;
          img.alt = data.image.alt;
          img.hidden = false;
        } else {
          img.hidden = true;
          img.removeAttribute('src');
        }
        const notes = box.querySelector('[data-crosspost-notes]');
        notes.textContent = (data.notes || []).join(' ');
        notes.hidden = !notes.textContent;
      }

      async poll() {
        if (!this.statusUrlValue) return;
        try {
          const response = await fetch(this.statusUrlValue, { credentials: 'same-origin' });
          if (response.ok) {
            const data = await response.json();
            data.publications.forEach((pub) => {
              const item = this.element.querySelector(`[data-publication="${pub.id}"]`);
              if (!item) return;
              item.dataset.status = pub.status;
              const label = item.querySelector('[data-crosspost-status]');
              if (label) label.textContent = pub.status_label;
              const link = item.querySelector('[data-crosspost-link]');
              if (link && pub.url) {
                link.href = pub.url;
                link.hidden = false;
              }
              const error = item.querySelector('[data-crosspost-error]');
              if (error) {
                error.textContent = pub.error || '';
                error.hidden = !pub.error;
              }
            });
            if (!data.pending) return;
          }
        } catch (e) {
          /* try again below */
        }
        this.pollTimer = setTimeout(() => this.poll(), 3000);
      }
    }

    app.register('w-crosspost', CrosspostController);
    return true;
  };
  if (!register()) document.addEventListener('DOMContentLoaded', register);
})();
