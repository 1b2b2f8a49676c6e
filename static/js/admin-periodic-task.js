// The admin's form of a periodic task (templates/admin/djcelery/change_periodictask_form.html): shows the chosen
// crontab in words under the field, as django-celery-beat's own inline script did.
(function ($) {
  "use strict";
  const crontabs = JSON.parse(document.getElementById("readable-crontabs").textContent);
  const help = JSON.parse(document.getElementById("crontab-help").textContent);

  function showTranslation(words) {
    const box = $(".field-crontab .help");
    box.text(help);
    box.append(document.createElement("br"), document.createTextNode("Translation: " + words));
  }

  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    showTranslation(crontabs[$("#id_crontab").val()]);
  });
})(django.jQuery);
