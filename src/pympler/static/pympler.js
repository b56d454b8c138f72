/* pympler.web: the package's own script (no library).  Loads the fragments
   /traceback/<id> and /objects/<id> in place; links work without it too. */
(function () {
  "use strict";

  function load(url, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.onload = function () {
      if (xhr.status === 200) {
        done(xhr.responseText);
      } else {
        done('<div class="error">Error ' + xhr.status + " loading this part.</div>");
      }
    };
    xhr.onerror = function () { done('<div class="error">The server did not answer.</div>'); };
    xhr.send();
  }

  function fragment(text) {
    var t = document.createElement("template");
    t.innerHTML = text;   // the server escapes every string it reflects
    return t.content;
  }

  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a") : null;
    if (!a) { return; }
    var cls = a.classList;
    if (cls.contains("show_traceback")) {
      ev.preventDefault();
      var box = a.parentNode;
      load(a.getAttribute("href"), function (text) { box.replaceWith(fragment(text)); });
    } else if (cls.contains("expand_local")) {
      ev.preventDefault();
      var holder = document.createElement("div");
      holder.className = "locals";
      a.replaceWith(holder);
      load(a.getAttribute("href"), function (text) { holder.appendChild(fragment(text)); });
    } else if (cls.contains("expand_ref")) {
      ev.preventDefault();
      var children = a.parentNode.querySelector(".children");
      if (!children) { return; }
      if (a.dataset.loaded) {
        children.hidden = !children.hidden;
        return;
      }
      a.dataset.loaded = "1";
      load(a.getAttribute("href"), function (text) { children.appendChild(fragment(text)); });
    }
  });
}());
