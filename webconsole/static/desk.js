// The desk's screen-pop: a Server-Sent Events stream of the agent's phone (ring, answer, end).
// Everything from the server is written with textContent, never as HTML.
"use strict";
(function () {
  const pop = document.getElementById("pop");
  if (!pop) { return; }
  const labels = JSON.parse(document.getElementById("desk-labels").textContent);
  const $ = (id) => document.getElementById(id);
  // What the browser received and when (Date.now()): read by the browser tests and the benchmark.
  window.deskLog = [];

  function text(id, value) { $(id).textContent = value == null || value === "" ? "—" : String(value); }

  function item(list, label, href) {
    const li = document.createElement("li");
    if (href) {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = label;
      li.appendChild(a);
    } else {
      li.textContent = label;
    }
    list.appendChild(li);
    return li;
  }

  function fill(listId, rows, render) {
    const list = $(listId);
    list.replaceChildren();
    if (!rows.length) { item(list, labels.none); }
    rows.forEach((row) => render(list, row));
  }

  function county(c) { return c ? (labels.lang === "zh" ? c.name_zh : c.name_en) || c.code : null; }

  function show(data) {
    const p = data.pop;
    pop.hidden = false;
    $("desk-idle").hidden = true;
    pop.dataset.call = p.call.id;
    text("pop-caller", p.call.caller);
    text("pop-county", county(p.call.county));
    text("pop-routing", [labels.reasons[p.call.routing_reason] || p.call.routing_reason, p.call.routing_detail]
      .filter(Boolean).join(": "));
    text("pop-category", p.call.category ? (county(p.call.category) || p.call.category.code) : null);
    text("pop-language", p.call.language);
    text("pop-ivr", p.call.ivr_path.map((step) => step.node + (step.digits ? " [" + step.digits + "]" : "")).join(" → "));
    const member = $("pop-member");
    member.replaceChildren();
    const form = $("pop-new-member");
    if (p.member) {
      form.hidden = true;
      const h = document.createElement("h3");
      h.id = "pop-member-name";
      h.textContent = p.member.name;
      member.appendChild(h);
      const d = document.createElement("p");
      d.textContent = [p.member.phone, county(p.member.county), p.member.address].filter(Boolean).join(" · ");
      member.appendChild(d);
    } else {
      const h = document.createElement("h3");
      h.id = "pop-member-name";
      h.className = "new-caller";
      h.textContent = labels.new_caller;
      member.appendChild(h);
      form.hidden = false;
      $("new-member-phone").value = p.call.caller;
    }
    $("pop-open-ticket").href = pop.dataset.newTicket + "?call=" + encodeURIComponent(p.call.id);
    const ticket = (list, t) => item(list, t.number + " " + (labels.types[t.type] || t.type) + " · " +
      (t.status_label[labels.lang] || t.status) + " · " + t.summary, "/tickets/" + t.id);
    fill("pop-open-tickets", p.open_tickets, ticket);
    fill("pop-recent-tickets", p.recent_tickets, ticket);
    fill("pop-past-calls", p.past_calls, (list, c) => {
      const li = item(list, c.entered_at + " · " + (c.agent || "—") + " · " + c.disposition);
      c.recordings.forEach((r) => {
        const a = document.createElement("a");
        a.href = pop.dataset.recording + r.id;
        a.className = "recording";
        a.textContent = " ▶ " + (r.duration_s ? Math.round(r.duration_s) + " s" : labels.recording);
        li.appendChild(a);
      });
    });
  }

  function status(kind) {
    text("pop-status", labels.kinds[kind] || kind);
    pop.dataset.kind = kind;
  }

  const source = new EventSource(pop.dataset.stream);
  ["ring", "answer", "end"].forEach((kind) => source.addEventListener(kind, (e) => {
    const data = JSON.parse(e.data);
    window.deskLog.push({ id: Number(e.lastEventId), kind: kind, uid: data.uid, at: Date.now() });
    if (kind === "ring" && data.pop) { show(data); }
    if (data.pop || String(data.uid) === pop.dataset.uid || kind !== "ring") { status(kind); }
    if (data.uid) { pop.dataset.uid = data.uid; }
  }));
  source.addEventListener("open", () => { document.body.dataset.deskStream = "open"; });
  source.addEventListener("error", () => { document.body.dataset.deskStream = "reconnecting"; });
}());
