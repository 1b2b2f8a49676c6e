// Search-as-you-type pickers (projects/pickers.py). The server renders a plain <select data-picker-url="..."> that
// holds only the chosen option(s), so a form works without this script and its page never lists every record.
// This script hides the select and shows a combobox instead: typing (at least data-picker-min letters) asks the
// JSON endpoint, debounced, for {"results": [{"id", "text"}], "more": bool}; up and down move in the list, Enter
// picks, Escape closes. Picking writes the option into the select, which the form posts as before.
// A single choice is cleared by emptying the box; a multiple one shows each choice with a button to remove it.
// Texts come from data- attributes (translated by the server): placeholder, empty, more, error, remove.
// A single picker with data-picker-new="Add “%(text)s” as a new officer" offers, after the records found, to add
// the typed text as a new record: inside its row (an element with data-picker-new-row), the text goes into the input
// marked data-picker-new-text and the fields marked data-picker-new-fields are shown (they are hidden while a record
// is picked, or while the row is empty); picking a known record empties and hides them again.
(function () {
  "use strict";

  const DELAY_MS = 250;
  let counter = 0;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function Picker(select) {
    this.select = select;
    this.multiple = select.multiple;
    this.min = parseInt(select.dataset.pickerMin || "2", 10);
    this.texts = select.dataset;
    this.timer = null;
    this.request = null;
    this.options = [];
    this.active = -1;
    counter += 1;
    this.id = (select.id || "picker") + "-picker-" + counter;
    this.build();
  }

  Picker.prototype.build = function () {
    const select = this.select;
    this.box = element("div", "picker position-relative");
    this.chips = element("div", "picker-chips d-flex flex-wrap gap-1 mb-1");
    this.input = element("input", "form-control");
    this.input.type = "text";
    this.input.id = this.id;
    this.input.autocomplete = "off";
    this.input.placeholder = this.texts.pickerPlaceholder || "";
    this.input.setAttribute("role", "combobox");
    this.input.setAttribute("aria-autocomplete", "list");
    this.input.setAttribute("aria-expanded", "false");
    this.input.setAttribute("aria-controls", this.id + "-list");
    if (select.classList.contains("is-invalid")) this.input.classList.add("is-invalid");
    if (select.getAttribute("aria-invalid")) this.input.setAttribute("aria-invalid", select.getAttribute("aria-invalid"));
    // The browser cannot point at a hidden control: the box one types in is the one it asks to fill.
    if (select.required && !this.multiple) {
      this.input.required = true;
      select.required = false;
    }
    if (select.getAttribute("aria-describedby")) {
      this.input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    this.list = element("ul", "picker-results list-group position-absolute w-100 shadow-sm d-none");
    this.list.id = this.id + "-list";
    this.list.setAttribute("role", "listbox");
    this.status = element("div", "visually-hidden");
    this.status.setAttribute("aria-live", "polite");
    // Said when the box is left with text that was not picked: the text is not what the form sends.
    this.unpicked = element("div", "form-text text-danger d-none");
    this.unpicked.id = this.id + "-unpicked";
    if (this.multiple) this.box.appendChild(this.chips);
    this.box.append(this.input, this.list, this.status, this.unpicked);
    select.classList.add("d-none");
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    select.after(this.box);
    // The field's label now names the box one types in.
    if (select.id) {
      document.querySelectorAll('label[for="' + select.id + '"]').forEach((label) => {
        label.htmlFor = this.id;
      });
    }
    this.showChosen();
    // Another script changed the select (a row's new-record fields cleared): show what it holds now.
    select.addEventListener("picker:refresh", () => this.showChosen());
    this.input.addEventListener("input", () => this.typed());
    this.input.addEventListener("keydown", (event) => this.key(event));
    this.input.addEventListener("blur", () => this.close(true));
    // A click on a result must not blur the box before it is picked.
    this.list.addEventListener("mousedown", (event) => event.preventDefault());
    this.list.addEventListener("click", (event) => {
      const item = event.target.closest("[data-index]");
      if (item) this.pick(parseInt(item.dataset.index, 10));
    });
  };

  Picker.prototype.chosen = function () {
    return Array.from(this.select.options).filter((option) => option.selected && option.value !== "");
  };

  Picker.prototype.showChosen = function () {
    const chosen = this.chosen();
    if (!this.multiple) {
      this.input.value = chosen.length ? chosen[0].textContent : "";
      return;
    }
    this.chips.replaceChildren();
    chosen.forEach((option) => {
      const chip = element("span", "badge text-bg-light border d-inline-flex align-items-center gap-1");
      chip.append(element("span", "", option.textContent));
      const remove = element("button", "btn-close btn-close-sm");
      remove.type = "button";
      remove.setAttribute("aria-label", (this.texts.pickerRemove || "Remove") + ": " + option.textContent);
      remove.addEventListener("click", () => {
        option.remove();
        this.changed();
        this.input.focus();
      });
      chip.appendChild(remove);
      this.chips.appendChild(chip);
    });
  };

  Picker.prototype.changed = function () {
    this.showChosen();
    this.select.dispatchEvent(new Event("change", { bubbles: true }));
  };

  Picker.prototype.typed = function () {
    const text = this.input.value.trim();
    this.warn("");
    window.clearTimeout(this.timer);
    if (!this.multiple && text === "" && this.chosen().length) {
      this.select.value = "";
      this.changed();
    }
    if (text.length < this.min) {
      this.close(false);
      return;
    }
    this.timer = window.setTimeout(() => this.search(text), DELAY_MS);
  };

  Picker.prototype.search = function (text) {
    if (this.request) this.request.abort();
    const request = new AbortController();
    this.request = request;
    const url = new URL(this.select.dataset.pickerUrl, window.location.href);
    url.searchParams.set("q", text);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", signal: request.signal })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((data) => this.show(data.results || [], Boolean(data.more), text))
      .catch((error) => {
        if (error.name !== "AbortError") this.message(this.texts.pickerError || "Error", "text-danger");
      });
  };

  Picker.prototype.show = function (results, more, text) {
    const taken = new Set(this.chosen().map((option) => option.value));
    const found = results.filter((result) => !this.multiple || !taken.has(String(result.id)));
    const offerNew = Boolean(this.texts.pickerNew) && !this.multiple && Boolean(text);
    this.options = found.slice();
    this.list.replaceChildren();
    this.active = -1;
    if (!found.length && !offerNew) {
      this.message(this.texts.pickerEmpty || "No match", "text-body-secondary");
      return;
    }
    const option = (result, index, className) => {
      const item = element("li", "list-group-item list-group-item-action " + className, result.text);
      item.id = this.id + "-option-" + index;
      item.dataset.index = String(index);
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      return item;
    };
    found.forEach((result, index) => this.list.appendChild(option(result, index, "")));
    if (!found.length) {
      this.list.appendChild(this.note(this.texts.pickerEmpty, "small text-body-secondary"));
    }
    if (more) this.list.appendChild(this.note(this.texts.pickerMore, "small text-body-secondary"));
    if (offerNew) {
      // A known record of exactly this name is suggested above: "add" says it would be another one.
      const same = found.some((result) => result.text.toLowerCase().startsWith(text.toLowerCase() + " ("));
      const label = (same && this.texts.pickerNewSame) || this.texts.pickerNew;
      const added = { id: "", text: label.replace("%(text)s", text), typed: text, isNew: true };
      this.options.push(added);
      this.list.appendChild(option(added, this.options.length - 1, "fw-semibold picker-new"));
    }
    this.open();
    this.status.textContent = found.length ? String(found.length) : this.texts.pickerEmpty || "";
  };

  Picker.prototype.message = function (text, className) {
    this.options = [];
    this.active = -1;
    this.list.replaceChildren(this.note(text, className));
    this.status.textContent = text;
    this.open();
  };

  // A line of the list that is not a choice ("no match", "type more letters"): a listbox holds only options.
  Picker.prototype.note = function (text, className) {
    const item = element("li", "list-group-item " + className, text);
    item.setAttribute("role", "option");
    item.setAttribute("aria-disabled", "true");
    return item;
  };

  Picker.prototype.open = function () {
    this.list.classList.remove("d-none");
    this.input.setAttribute("aria-expanded", "true");
  };

  Picker.prototype.close = function (restore) {
    window.clearTimeout(this.timer);
    this.list.classList.add("d-none");
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
    if (!restore) return;
    // Text typed but not picked is not what the form sends: say so, rather than drop it without a word.
    const typed = this.input.value.trim();
    const chosen = this.chosen();
    const current = !this.multiple && chosen.length ? chosen[0].textContent : "";
    if (typed && typed !== current && this.texts.pickerUnpicked) {
      this.warn(this.texts.pickerUnpicked.replace("%(text)s", typed));
    }
    this.multiple ? (this.input.value = "") : this.showChosen();
  };

  // Shows (or, with "", hides) the line under the box that says typed text was not picked.
  Picker.prototype.warn = function (text) {
    this.unpicked.textContent = text;
    this.unpicked.classList.toggle("d-none", !text);
    const described = (this.input.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== this.unpicked.id);
    if (text) described.push(this.unpicked.id);
    if (described.length) this.input.setAttribute("aria-describedby", described.join(" "));
    else this.input.removeAttribute("aria-describedby");
    if (text) this.status.textContent = text;
  };

  Picker.prototype.move = function (step) {
    if (!this.options.length) return;
    this.open();
    // Up from the box goes to the last suggestion ("Add … as new", when offered), down to the first.
    const count = this.options.length;
    this.active = this.active < 0 ? (step > 0 ? 0 : count - 1) : (this.active + step + count) % count;
    Array.from(this.list.querySelectorAll("[data-index]")).forEach((item, index) => {
      const on = index === this.active;
      item.classList.toggle("active", on);
      item.setAttribute("aria-selected", on ? "true" : "false");
      if (on) {
        this.input.setAttribute("aria-activedescendant", item.id);
        item.scrollIntoView({ block: "nearest" });
      }
    });
  };

  Picker.prototype.key = function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      this.move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      // Enter in a picker never sends the form: it picks the highlighted suggestion, else highlights the first
      // (a second Enter picks it), or searches at once what was typed.
      event.preventDefault();
      const text = this.input.value.trim();
      if (this.active >= 0 && !this.list.classList.contains("d-none")) {
        this.pick(this.active);
      } else if (this.options.length && !this.list.classList.contains("d-none")) {
        this.move(1);
      } else if (text.length >= this.min) {
        window.clearTimeout(this.timer);
        this.search(text);
      }
    } else if (event.key === "Escape" && !this.list.classList.contains("d-none")) {
      event.preventDefault();
      this.close(true);
    }
  };

  Picker.prototype.pick = function (index) {
    const result = this.options[index];
    if (!result) return;
    this.warn("");
    if (result.isNew) {
      this.pickNew(result.typed);
      return;
    }
    const value = String(result.id);
    let option = Array.from(this.select.options).find((o) => o.value === value);
    if (!option) {
      option = new Option(result.text, value);
      this.select.add(option);
    }
    if (this.multiple) {
      option.selected = true;
    } else {
      this.select.value = value;
    }
    this.close(false);
    this.input.value = "";
    this.changed();
    this.status.textContent = result.text;
    if (this.texts.pickerNew) newFields(this.select, false);
  };

  // "Add … as a new record": no record is picked; the row's new-record fields open with the typed text, and the
  // first of them still empty (the country, say) takes the focus.
  Picker.prototype.pickNew = function (text) {
    this.select.value = "";
    this.close(false);
    this.changed();
    this.status.textContent = text;
    const fields = newFields(this.select, true);
    const target = fields && fields.row.querySelector("[data-picker-new-text]");
    if (target) target.value = text;
    const next =
      fields &&
      Array.from(fields.box.querySelectorAll("input:not([type=hidden]), select, textarea")).find(
        (control) => control !== target && !control.value && control.offsetParent !== null
      );
    (next || target || this.input).focus();
  };

  // The new-record fields of the row around `select`: shown (open) or emptied and hidden.
  function newFields(select, open) {
    const row = select.closest("[data-picker-new-row]");
    const box = row && row.querySelector("[data-picker-new-fields]");
    if (!box) return null;
    if (!open) {
      box.querySelectorAll("input:not([type=hidden]), select, textarea").forEach((control) => {
        if (control.tagName === "SELECT") {
          Array.from(control.options).forEach((option) => (option.selected = false));
          control.value = "";
          control.dispatchEvent(new CustomEvent("picker:refresh"));
        } else {
          control.value = "";
        }
      });
    }
    box.hidden = !open;
    return { row: row, box: box };
  }

  // On load, a row's new-record fields show only if they hold something (a new officer typed, or their errors).
  function settleNewRows(root) {
    root.querySelectorAll("[data-picker-new-row]").forEach((row) => {
      const box = row.querySelector("[data-picker-new-fields]");
      const picker = row.querySelector("select[data-picker-new]");
      if (!box || !picker || row.dataset.pickerNewReady) return;
      row.dataset.pickerNewReady = "1";
      const filled = Array.from(box.querySelectorAll("input:not([type=hidden]), select")).some(
        (control) => control.value !== ""
      );
      box.hidden = picker.value !== "" || !(filled || box.querySelector(".is-invalid"));
    });
  }

  function enhance(root) {
    root.querySelectorAll("select[data-picker-url]").forEach((select) => {
      if (!select.dataset.pickerReady) {
        select.dataset.pickerReady = "1";
        new Picker(select);
      }
    });
    settleNewRows(root);
  }

  document.addEventListener("DOMContentLoaded", () => enhance(document));
  document.addEventListener("htmx:afterSettle", (event) => enhance(event.target));
})();
