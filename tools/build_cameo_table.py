#!/usr/bin/env python3
"""Builds src/eventwire/knowledge/cameo.csv from the CAMEO-to-PLOVER table and the Goldstein scale.

usage: python tools/build_cameo_table.py [../shared/reference]

The two reference files are facts (codes, types, weights); this script only reshapes them. CAMEO roots
01 (statements) and 02 (appeals) are absent from the 2021 conversion table: statements keep no PLOVER
type, and appeals are PLOVER REQUEST, as the PLOVER manual folds CAMEO 02 and 10 together. 016 (reject an
accusation, deny responsibility) is PLOVER REJECT, which the PLOVER manual allows.
"""
import csv
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "src/eventwire/knowledge/cameo.csv"

# Short names for the codes the conversion table lacks (CAMEO 1.1b3 code titles).
EXTRA_NAMES = {
    "01": "Make public statement", "010": "Make statement", "011": "Decline comment",
    "012": "Make pessimistic comment", "013": "Make optimistic comment", "014": "Consider policy option",
    "015": "Acknowledge or claim responsibility", "016": "Deny responsibility",
    "017": "Engage in symbolic act", "018": "Make empathetic comment", "019": "Express accord",
    "02": "Appeal", "020": "Make an appeal or request", "021": "Appeal for material cooperation",
    "0211": "Appeal for economic cooperation", "0212": "Appeal for military cooperation",
    "0213": "Appeal for judicial cooperation", "0214": "Appeal for intelligence",
    "022": "Appeal for diplomatic cooperation", "023": "Appeal for aid",
    "0231": "Appeal for economic aid", "0232": "Appeal for military aid",
    "0233": "Appeal for humanitarian aid", "0234": "Appeal for military protection or peacekeeping",
    "024": "Appeal for political reform", "0241": "Appeal for change in leadership",
    "0242": "Appeal for policy change", "0243": "Appeal for rights", "0244": "Appeal for change in institutions, regime",
    "025": "Appeal to yield", "0251": "Appeal for easing of administrative sanctions",
    "0252": "Appeal for easing of popular dissent", "0253": "Appeal for release of persons or property",
    "0254": "Appeal for easing of economic sanctions, boycott, or embargo",
    "0255": "Appeal for target to allow international involvement", "0256": "Appeal for de-escalation of military engagement",
    "026": "Appeal to others to meet or negotiate", "027": "Appeal to others to settle dispute",
    "028": "Appeal to others to engage in or accept mediation",
    "03": "Express intent to cooperate", "04": "Consult", "05": "Engage in diplomatic cooperation",
    "06": "Engage in material cooperation", "07": "Provide aid", "08": "Yield", "09": "Investigate",
    "10": "Demand", "11": "Disapprove", "12": "Reject", "13": "Threaten", "14": "Protest",
    "15": "Exhibit force posture", "16": "Reduce relations", "17": "Coerce", "18": "Assault", "19": "Fight",
    "20": "Use unconventional mass violence", "201": "Engage in mass expulsion",
}


def quad(code: str) -> int:
    root = int(code[:2])
    return 1 if root <= 5 else 2 if root <= 8 else 3 if root <= 13 else 4


def main(ref: pathlib.Path) -> None:
    table = {}
    for line in (ref / "CAMEO2PLOVER-2021.txt").read_text().splitlines():
        m = re.match(r"^(\d{2,4}):\s*([^#]*)#?(.*)$", line.strip())
        if not m:
            continue
        code, fields, name = m.group(1), [f.strip() for f in m.group(2).split(",")], m.group(3).strip()
        fields += [""] * (3 - len(fields))
        if code in table and table[code]["name"]:
            continue  # the table lists 175 twice; keep the first
        table[code] = {"plover": fields[0], "mode": fields[1], "context": fields[2].replace(" ", ""), "name": name.split("  ")[0].strip()}
    weights = {}
    for line in (ref / "CAMEO.goldsteinscale.txt").read_text().splitlines()[1:]:
        code, w = line.split("\t")
        weights[code.strip()] = float(w)
    rows = []
    for code in sorted(set(table) | set(weights), key=lambda c: (c[:2], c)):
        t = table.get(code, {})
        plover = t.get("plover", "")
        if code.startswith("02"):
            plover = "REQUEST"
        if code.startswith("01"):
            plover = ""
        if code == "016":
            plover = "REJECT"  # rejecting an accusation: the PLOVER manual allows REJECT for 016
        w = weights.get(code)
        if w is None:  # codes the Goldstein table lacks take their parent's weight
            w = weights.get(code[:3], weights.get(code[:2]))
        rows.append({
            "code": code, "name": t.get("name") or EXTRA_NAMES.get(code, ""), "plover": plover,
            "mode": t.get("mode", ""), "context": t.get("context", ""), "goldstein": w, "quad": quad(code),
        })
    with OUT.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["code", "name", "plover", "mode", "context", "goldstein", "quad"])
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} codes to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared/reference"))
