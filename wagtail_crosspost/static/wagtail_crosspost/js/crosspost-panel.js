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
        // Any field of the page form may change the post (title, intro, tags): the whole form
        // is watched. Wagtail's tag field updates its hidden input without an event, so a click
        // in it (a tag removed) and typing in it (a tag added) count too.
        this.watched = this.form || this.element;
        ['input', 'change', 'click'].forEach((name) => {
          this.watched.addEventListener(name, this.onInput);
        });
        this.refreshAll();
        if (this.pendingValue) this.poll();
      }

      disconnect() {
        ['input', 'change', 'click'].forEach((name) => {
          this.watched.removeEventListener(name, this.onInput);
        });
        clearTimeout(this.timer);
        clearTimeout(this.pollTimer);
      }

      onInput(event) {
        // Clicks count only in the tag field (removing a tag); elsewhere they change nothing.
        if (event && event.type === 'click' && !(event.target.closest && event.target.closest('.tagit, [data-controller~="w-tag"]'))) {
          return;
        }
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.refreshAll(), 350);
      }

      rows() {
        return Array.from(this.element.querySelectorAll('[data-crosspost-row]'));
      }

      refreshAll() {
        this.refreshVariants();
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

      // Re-sharing variants: one counter per variant and per channel that re-shares it, counted
      // by the preview as the re-share is sent (its link with utm_campaign=evergreen, hashtags).
      reshareChannels() {
        const data = this.element.querySelector('#crosspost-evergreen-channels');
        try {
          return data ? JSON.parse(data.textContent) : [];
        } catch (e) {
          return [];
        }
      }

      refreshVariants() {
        const channels = this.reshareChannels();
        this.element.querySelectorAll('[data-crosspost-variant]').forEach((variant) => {
          const list = variant.querySelector('[data-crosspost-variant-counters]');
          const textarea = variant.querySelector('textarea');
          if (!list || !textarea) return;
          const text = textarea.value.trim();
          const key = variant.dataset.target;
          const targets = channels.filter((c) => key === 'all' || String(c.id) === key);
          const previews = variant.querySelector('[data-crosspost-variant-previews]');
          const seq = (this.variantSeq = (this.variantSeq || 0) + 1);
          list.dataset.crosspostSeq = seq;
          if (!text) {
            list.replaceChildren();
            if (previews) previews.replaceChildren();
            return;
          }
          Promise.all(targets.map((channel) => this.countVariant(channel, textarea.value)))
            .then((answers) => {
              if (list.dataset.crosspostSeq !== String(seq)) return;
              list.replaceChildren();
              // The same answers give the previews: no second request per keystroke.
              if (previews) this.renderVariantPreviews(previews, targets, answers);
              answers.forEach((data, i) => {
                if (!data) return;
                const item = document.createElement('li');
                item.className = 'crosspost-counter';
                item.dataset.channel = targets[i].id;
                item.dataset.state = data.state;
                const label = data.count_label || `${data.count} / ${data.limit}`;
                const count = data.additions_label ? `${label} (${data.additions_label})` : label;
                item.textContent = `${targets[i].name}: ${count}`;
                list.append(item);
              });
            });
        });
      }

      // One preview per channel that re-shares the variant, each in its own disclosure ("Preview
      // for LinkedIn"), the first one open. A disclosure the editor opened or closed stays so
      // while they type: the elements are kept per channel and only their contents change.
      renderVariantPreviews(previews, targets, answers) {
        const template = this.element.querySelector('[data-crosspost-variant-preview-template]');
        if (!template) return;
        const kept = {};
        previews.querySelectorAll('[data-crosspost-variant-preview]').forEach((item) => {
          kept[item.dataset.channel] = item;
        });
        const items = [];
        answers.forEach((data, i) => {
          if (!data) return;
          const channel = targets[i];
          let item = kept[String(channel.id)];
          if (!item) {
            item = template.content.firstElementChild.cloneNode(true);
            item.dataset.channel = channel.id;
            item.open = items.length === 0;
          }
          const summary = item.querySelector('[data-crosspost-variant-preview-summary]');
          summary.textContent = (summary.dataset.label || '{channel}').replace('{channel}', channel.name);
          this.fillPreview(item.querySelector('.crosspost-preview'), data);
          items.push(item);
        });
        previews.replaceChildren(...items);
      }

      // A preview box from one preview answer: the text as sent, the thread's replies, the image
      // and the notes. textContent only: nothing in the answer is read as HTML.
      fillPreview(box, data) {
        const previewText = box.querySelector('[data-crosspost-preview-text]');
        previewText.textContent = data.text;
        this.renderThread(previewText, data.thread || [], data.thread_label);
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

      async countVariant(channel, text) {
        const body = this.previewBody(channel.id, text);
        body.append('reshare', channel.number);
        try {
          const response = await fetch(this.previewUrlValue, {
            method: 'POST', body, credentials: 'same-origin',
          });
          return response.ok ? await response.json() : null;
        } catch (e) {
          return null;
        }
      }

      // What the preview needs of the page form (as typed, not saved), for one channel's text.
      previewBody(channelId, message) {
        const body = new FormData();
        body.append('csrfmiddlewaretoken', this.field('csrfmiddlewaretoken'));
        body.append('channel', channelId);
        body.append('page', this.pageValue || '');
        body.append('title', this.field('title'));
        body.append('intro', this.field('intro') || this.field('search_description'));
        body.append('image', this.field('image'));
        // The tags as typed (not saved yet): they become the post's hashtags.
        const tags = this.form && this.form.querySelector('[name="tags"]');
        if (tags) body.append('tags', tags.value);
        body.append('message', message);
        return body;
      }

      field(name) {
        const el = this.form && this.form.querySelector(`[name="${name}"]`);
        return el ? el.value : '';
      }

      async refresh(row) {
        const message = row.querySelector('textarea[name$="-message"]');
        const body = this.previewBody(row.dataset.channel, message ? message.value : '');
        // The image chosen for this channel only (Wagtail's chooser keeps its id in this input).
        const override = row.querySelector('input[name$="-image"]');
        body.append('override_image', override ? override.value : '');
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
          const label = data.count_label || `${data.count} / ${data.limit}`;
          // What the post gets beyond the editor's words: "+ 3 hashtags, + tracking link".
          counter.textContent = data.additions_label ? `${label} (${data.additions_label})` : label;
          counter.dataset.state = data.state;
          const warn = row.querySelector('[data-crosspost-warning]');
          if (warn) {
            // Too long, but continued in a thread (reply chain): nothing is shortened.
            warn.hidden = data.state !== 'over' || (data.thread || []).length > 0;
          }
        }
        const box = row.querySelector('[data-crosspost-preview]');
        if (!box) return;
        box.hidden = false;
        this.fillPreview(box, data);
        // The image that will be sent has no alt text: say so, with a link to describe it.
        const alt = row.querySelector('[data-crosspost-alt]');
        if (alt) {
          const image = data.image || {};
          alt.hidden = !image.alt_missing;
          const link = alt.querySelector('[data-crosspost-alt-link]');
          link.href = image.edit_url || '#';
          link.hidden = !image.edit_url;
        }
      }

      // The replies of a thread (reply chain), under the first post's text. Built with
      // textContent only: the texts are the editor's own words.
      renderThread(previewText, replies, label) {
        let list = previewText.parentNode.querySelector('[data-crosspost-thread]');
        if (!replies.length) {
          if (list) list.hidden = true;
          return;
        }
        if (!list) {
          list = document.createElement('div');
          list.className = 'crosspost-thread';
          list.dataset.crosspostThread = '';
          previewText.after(list);
        }
        list.hidden = false;
        list.replaceChildren();
        const heading = document.createElement('p');
        heading.className = 'crosspost-thread-label';
        heading.textContent = label || '';
        heading.hidden = !label;
        const items = document.createElement('ol');
        items.start = 2;
        replies.forEach((reply) => {
          const item = document.createElement('li');
          item.className = 'crosspost-preview-text';
          item.textContent = reply;
          items.append(item);
        });
        list.append(heading, items);
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
