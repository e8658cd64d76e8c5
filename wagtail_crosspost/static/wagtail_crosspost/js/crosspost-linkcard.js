/* The "Publish to" panel's link cards: for each ticked channel, the card its platform will show
 * (title, description, image, domain) and the warnings of the server's check, with their fixes.
 * A Stimulus controller, like Wagtail's own. Every text goes in through textContent; an image
 * is shown only from an http(s) address. */
(() => {
  const WEB = /^https?:\/\/[^\s\u0000-\u001f\u007f-\u009f]+$/i;

  const register = () => {
    const app = window.wagtail && window.wagtail.app;
    const Stimulus = window.StimulusModule;
    if (!app || !Stimulus) return false;

    class LinkCardController extends Stimulus.Controller {
      static values = { url: String, checking: String, failed: String };

      static targets = ['message', 'button', 'template'];

      connect() {
        this.data_ = null;
        this.onChange = this.onChange.bind(this);
        this.element.addEventListener('change', this.onChange);
        if (this.ticked().length) this.check();
      }

      disconnect() {
        this.element.removeEventListener('change', this.onChange);
      }

      rows() {
        return Array.from(this.element.querySelectorAll('[data-crosspost-row]'));
      }

      ticked() {
        return this.rows().filter((row) => {
          const box = row.querySelector('input[type="checkbox"][name$="-enabled"]');
          return box && box.checked;
        });
      }

      onChange(event) {
        if (!event.target.matches('input[type="checkbox"][name$="-enabled"]')) return;
        const known = (this.data_ && this.data_.channels) || {};
        const missing = this.ticked().some((row) => !(row.dataset.channel in known));
        if (missing) this.check();
        else this.render();
      }

      async check() {
        if (!this.urlValue) return;
        const url = new URL(this.urlValue, window.location.href);
        this.ticked().forEach((row) => url.searchParams.append('channel', row.dataset.channel));
        const seq = (this.seq = (this.seq || 0) + 1);
        this.say(this.checkingValue);
        if (this.hasButtonTarget) this.buttonTarget.hidden = true;
        let data;
        try {
          const response = await fetch(url, { credentials: 'same-origin' });
          if (!response.ok) throw new Error(String(response.status));
          data = await response.json();
        } catch (e) {
          if (seq === this.seq) this.say(this.failedValue);
          if (this.hasButtonTarget) this.buttonTarget.hidden = false;
          return;
        }
        if (seq !== this.seq) return; // an older answer: the newest one counts
        this.data_ = data;
        this.say(data.source_label || '');
        if (this.hasButtonTarget) this.buttonTarget.hidden = false;
        this.render();
      }

      say(text) {
        if (this.hasMessageTarget) this.messageTarget.textContent = text || '';
      }

      render() {
        const data = this.data_;
        this.rows().forEach((row) => {
          const slot = row.querySelector('[data-crosspost-linkcard]');
          if (!slot) return;
          const box = row.querySelector('input[type="checkbox"][name$="-enabled"]');
          const platform = data && data.channels && data.channels[row.dataset.channel];
          const entry = platform && (data.platforms || []).find((p) => p.platform === platform);
          if (!box || !box.checked || !entry || !this.hasTemplateTarget) {
            slot.hidden = true;
            slot.replaceChildren();
            return;
          }
          slot.replaceChildren(this.card(data, entry));
          slot.hidden = false;
        });
      }

      card(data, entry) {
        const node = this.templateTarget.content.firstElementChild.cloneNode(true);
        const card = data.card || {};
        const shown = entry.shows_card !== false;
        node.querySelector('[data-card]').hidden = !shown;
        node.querySelector('[data-card-domain]').textContent = card.domain || '';
        node.querySelector('[data-card-title]').textContent = card.title || '';
        node.querySelector('[data-card-description]').textContent = card.description || '';
        const img = node.querySelector('[data-card-image]');
        if (shown && card.image && WEB.test(card.image)) {
          img.src = card.image;
          img.hidden = false;
        }
        const warnings = [
          ...(entry.reads_tags && shown ? data.warnings || [] : []),
          ...(entry.warnings || []),
        ];
        const list = node.querySelector('[data-card-warnings]');
        warnings.forEach((text) => {
          const item = document.createElement('li');
          item.textContent = text;
          list.append(item);
        });
        list.hidden = !warnings.length;
        const notes = node.querySelector('[data-card-notes]');
        notes.textContent = (entry.notes || []).join(' ');
        notes.hidden = !notes.textContent;
        return node;
      }
    }

    app.register('w-crosspost-linkcard', LinkCardController);
    return true;
  };
  if (!register()) document.addEventListener('DOMContentLoaded', register);
})();
