/* रोमन से हिंदी: roman letters typed into text fields become Devanagari as each word ends
   (space, Enter, punctuation, or leaving the field): namaste → नमस्ते, kaaryaalaya → कार्यालय.
   A word begun with \ stays roman (\PDF → PDF). Only ASCII letters are touched, so InScript
   and phone Hindi keyboards type as before. The choice is remembered on this browser. No
   network; without JavaScript fields take what the keyboard types. */
(function () {
  "use strict";
  var me = document.currentScript, KEY = "eoffice-roman";
  var C = {k:"क",kh:"ख",g:"ग",gh:"घ",ch:"च",chh:"छ",c:"च",j:"ज",jh:"झ",T:"ट",Th:"ठ",D:"ड",Dh:"ढ",
    N:"ण",t:"त",th:"थ",d:"द",dh:"ध",n:"न",p:"प",ph:"फ",f:"फ़",b:"ब",bh:"भ",m:"म",y:"य",r:"र",
    l:"ल",v:"व",w:"व",sh:"श",Sh:"ष",s:"स",h:"ह",z:"ज़",q:"क़",x:"क्ष",gy:"ज्ञ",R:"ड़",Rh:"ढ़"};
  var V = {a:["अ",""],aa:["आ","ा"],A:["आ","ा"],i:["इ","ि"],ii:["ई","ी"],ee:["ई","ी"],I:["ई","ी"],
    u:["उ","ु"],uu:["ऊ","ू"],oo:["ऊ","ू"],U:["ऊ","ू"],e:["ए","े"],ai:["ऐ","ै"],o:["ओ","ो"],
    au:["औ","ौ"]};
  var M = {M:"ं","~":"ँ",H:"ः"};
  /* words as people type them whose Hindi spelling no letter-by-letter rule gives: the
     short words of every sentence, and the office's own words and names (a roman keyboard's
     dictionary does the same). Each is one Hindi word; a word not here goes by the rules. */
  var W = {mein:"में",me:"में",men:"में",hain:"हैं",hai:"है",nahin:"नहीं",nahi:"नहीं",main:"मैं",
    kyon:"क्यों",ka:"का",ki:"की",ke:"के",ko:"को",se:"से",ne:"ने",par:"पर",aur:"और",ya:"या",
    tak:"तक",liye:"लिए",lie:"लिए",evam:"एवं",dwara:"द्वारा",dvara:"द्वारा",hetu:"हेतु",
    kripya:"कृपया",krpya:"कृपया",shri:"श्री",shree:"श्री",shrimati:"श्रीमती",smt:"श्रीमती",
    kaaryaalay:"कार्यालय",kaaryaalaya:"कार्यालय",karyalay:"कार्यालय",karyalaya:"कार्यालय",
    karyalya:"कार्यालय",patravali:"पत्रावली",patraavali:"पत्रावली",patravlee:"पत्रावली",
    tehsil:"तहसील",tahsil:"तहसील",tehseel:"तहसील",tehsildar:"तहसीलदार",tahsildar:"तहसीलदार",
    lekhpal:"लेखपाल",lekhpaal:"लेखपाल",kanungo:"कानूनगो",khatauni:"खतौनी",khatoni:"खतौनी",
    aavedan:"आवेदन",avedan:"आवेदन",aavedak:"आवेदक",avedak:"आवेदक",prarthna:"प्रार्थना",
    prarthana:"प्रार्थना",patra:"पत्र",sankhya:"संख्या",dinank:"दिनांक",vishay:"विषय",
    vishaya:"विषय",sandarbh:"संदर्भ",prapt:"प्राप्त",anumodan:"अनुमोदन",aadesh:"आदेश",
    adesh:"आदेश",shikayat:"शिकायत",shikaayat:"शिकायत",bhumi:"भूमि",bhoomi:"भूमि",
    nirikshak:"निरीक्षक",rajasv:"राजस्व",rajasva:"राजस्व",rajaswa:"राजस्व",janpad:"जनपद",
    jila:"जिला",zila:"जिला",jiladhikari:"जिलाधिकारी",ziladhikari:"जिलाधिकारी",gram:"ग्राम",
    graam:"ग्राम",nivasi:"निवासी",niwasi:"निवासी",sachiv:"सचिव",adhikari:"अधिकारी",
    karmchari:"कर्मचारी",karmachari:"कर्मचारी",suchna:"सूचना",soochna:"सूचना",avashyak:"आवश्यक",
    aavashyak:"आवश्यक",karyavahi:"कार्यवाही",kaaryavaahi:"कार्यवाही",tippani:"टिप्पणी",
    hastakshar:"हस्ताक्षर",uttar:"उत्तर",pradesh:"प्रदेश",sadar:"सदर",lalitpur:"ललितपुर",
    mahodaya:"महोदय",mahoday:"महोदय",nirdesh:"निर्देश",jaanch:"जाँच",janch:"जाँच",
    aakhya:"आख्या",akhya:"आख्या",prastut:"प्रस्तुत",avlokan:"अवलोकन",avalokan:"अवलोकन",
    anubhag:"अनुभाग",nakal:"नकल",bhugtan:"भुगतान",vetan:"वेतन",awedan:"आवेदन",
    singh:"सिंह",kumar:"कुमार",yadav:"यादव",devi:"देवी",prasad:"प्रसाद",mishra:"मिश्र",
    ram:"राम",shyam:"श्याम",lal:"लाल",chand:"चंद",chandra:"चंद्र",verma:"वर्मा",raja:"राजा",
    sita:"सीता",gita:"गीता",geeta:"गीता",kamla:"कमला",kamala:"कमला"};
  function word(w) {
    var out = "", i = 0, prevC = false, n, t, hit, toks = [], j;
    if (/^[A-Z][a-z]/.test(w)) w = w[0].toLowerCase() + w.slice(1);  /* Ramesh as ramesh */
    if (W[w]) return W[w];
    while (i < w.length) {
      hit = null;
      for (n = 3; n > 0 && !hit; n--) {
        t = w.substr(i, n);
        if (t.length < n) continue;
        if (V[t]) hit = ["v", t];
        else if (C[t]) hit = ["c", t];
        else if (M[t]) hit = ["m", t];
        else if (n === 1 && V[t.toLowerCase()]) hit = ["v", t.toLowerCase()];
        else if (n === 1 && C[t.toLowerCase()]) hit = ["c", t.toLowerCase()];
      }
      if (!hit) { hit = ["x", w[i]]; i++; } else i += hit[1].length;
      toks.push(hit);
    }
    for (j = 0; j < toks.length; j++) {
      t = toks[j][1];
      if (toks[j][0] === "c") {
        /* n before another consonant is written as anusvara: हिंदी, संलग्न (not before y r v h m n) */
        if (t === "n" && !prevC && j > 0 && toks[j + 1] && toks[j + 1][0] === "c" &&
            !/^(y|r|v|w|h|m|n)$/.test(toks[j + 1][1])) { out += "ं"; prevC = false; continue; }
        out += (prevC ? "्" : "") + C[t]; prevC = true;
      } else if (toks[j][0] === "v") { out += prevC ? V[t][1] : V[t][0]; prevC = false; }
      else { out += M[t] || t; prevC = false; }
    }
    /* a final consonant keeps its inherent vowel unwritten (रमेश, not रमेश्); a final i is
       long, as Hindi writes it (हिंदी, खतौनी); a final a typed after a consonant is long too
       (kamla → कमला, sharma → शर्मा): typed Hindi leaves the silent one out (ramesh) */
    if (/ि$/.test(out) && /i$/.test(w)) return out.slice(0, -1) + "ी";
    if (toks.length > 1 && /[^aeiouAEIOU]a$/.test(w) && toks[toks.length - 1][1] === "a" &&
        toks[toks.length - 2][0] === "c") return out + "ा";
    return out;
  }
  window.eofficeRoman = word;  /* the rules, for the browser test of the office's words */
  function convert(el, atEnd) {
    var pos = el.selectionStart, before = el.value.slice(0, pos), m;
    m = atEnd ? /(\\?)([A-Za-z~]+)$/.exec(before) : /(\\?)([A-Za-z~]+)([\s.,;:!?()\-\/।]+)$/.exec(before);
    if (!m) return;
    var repl = m[1] ? m[2] : word(m[2]), tail = m[3] || "";
    if (!m[1] && tail === ".") tail = "।";  /* a Hindi sentence ends with a danda */
    var start = before.length - m[0].length;
    el.value = before.slice(0, start) + repl + tail + el.value.slice(pos);
    var caret = start + repl.length + tail.length;
    el.setSelectionRange(caret, caret);
    el.dispatchEvent(new Event("input", {bubbles: true}));
  }
  var fields = document.querySelectorAll(
    "main textarea:not([readonly]), main input[type=text]:not([inputmode]), main input[type=search]");
  if (!fields.length) return;
  var on = localStorage.getItem(KEY) === "1";
  var box = document.createElement("p"), label = document.createElement("label"),
      check = document.createElement("input");
  check.type = "checkbox"; check.id = "roman-toggle"; check.checked = on;
  label.htmlFor = "roman-toggle"; label.textContent = " " + (me.dataset.label || "रोमन से हिंदी");
  box.className = "hint noprint"; box.appendChild(check); box.appendChild(label);
  if (me.dataset.hint) { var h = document.createElement("small"); h.textContent = " " + me.dataset.hint; box.appendChild(h); }
  var first = fields[0].closest(".field") || fields[0];
  first.parentNode.insertBefore(box, first);
  check.addEventListener("change", function () { on = check.checked; localStorage.setItem(KEY, on ? "1" : "0"); });
  fields.forEach(function (el) {
    if (el.id === "login_id" || el.autocomplete === "username") return;
    el.addEventListener("input", function (e) {
      if (on && e.isTrusted !== false && e.inputType !== "insertFromPaste") convert(el, false);
    });
    el.addEventListener("blur", function () { if (on) convert(el, true); });
    el.form && el.form.addEventListener("submit", function () { if (on) convert(el, true); });
  });
})();
