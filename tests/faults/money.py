"""The money path as callers drive it, and its books to the rupiah.

Importable on its own (a soak run drives it for hours):

    year = set_up(cluster, contracts=4)           # a year prepared through RPC
    ledger, stop = Ledger("soak"), eventlet.event.Event()
    drivers = stream(cluster, year, ledger, stop)  # until stop.send(); then wait() each
    reckoning = reconcile(cluster, year, ledger, tap)
    print(reckoning.line); assert not reckoning.mismatches

Each contract belongs to one driver: its orders go placed -> proof submitted -> accepted ->
paid, some are cancelled before a proof, some payments are reversed and paid again under a new
SP2D; a driver whose contract has no room left (the last rupiah) keeps reversing and paying
again. Every command carries a stable command id and is retried until answered, as a calling
system does; a refusal (RuleViolated, Conflict) is an answer, and must have recorded nothing.
With `racing=True` each driver has two callers that pay one order with two SP2Ds at once, and
two orders with one SP2D at once.
"""
from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import eventlet

from shared.config import Settings
from shared.errors import Conflict, Forbidden, NotFound, RuleViolated, ValidationFailed
from tests.faults.harness import close, whole_log
from tests.integration.scenarios import eventually, open_year, tiered_partner
from tests.support import sha

TODAY = Settings.from_env().today()  # the regency's date, as the services judge
YEAR = TODAY.year
ACTIVITIES = ("2.16.01.2.06.0001", "2.16.01.2.06.0002")
UNIT_PRICE = 2_000_000  # tier B, online, an advertorial
ORDER_TOTAL = UNIT_PRICE * 111 // 100  # DPP + PPN 11% for a PKP partner (tax rules version 0)
SLACK = 1_000_000  # what stays in a full contract: less than any order
CANCELLED, REVERSED = 0.15, 0.2  # shares of orders cancelled, of payments reversed
PACE = 0.05  # seconds between two orders of one driver: a steady stream, not a burst
REFUSALS = {"contract_ceiling_exceeded", "already_paid", "sp2d_already_recorded"}
ANSWERS = (RuleViolated, Conflict, NotFound, ValidationFailed, Forbidden)
# The events an acknowledged command must have stored once: (type, order, SP2D or None)
RECORDS = {"place_order": "OrderPlaced", "submit_proof": "ProofSubmitted",
           "review_proof": "ProofReviewed", "record_payment": "PaymentRecorded",
           "reverse_payment": "PaymentReversed", "cancel_order": "OrderCancelled"}
LIVE = ("placed", "proof_submitted", "proof_accepted", "paid")


@dataclass
class Year:
    """What the set-up signed: per contract its id, activity and ceiling; per budget its pagu."""
    fiscal_year: int
    pagu: dict
    contracts: list  # [{contract_id, activity_code, ceiling, partner_id}]
    refused: str  # the answer to one more contract than the pagu holds


@dataclass
class Ledger:
    """Every answer the callers were given, in the order they were given."""
    label: str
    run: str = field(default_factory=lambda: f"{random.getrandbits(32):08x}")
    # (method, its first argument: the contract or the order, SP2D, the answer or the code)
    answers: list = field(default_factory=list)
    retries: int = 0
    abandoned: list = field(default_factory=list)  # command ids never answered
    unexpected: list = field(default_factory=list)  # refusals the stream never provokes
    published: Counter = field(default_factory=Counter)  # order events the tap received
    before_fault: int = 0  # answers given when the fault began
    after_fault: int = 0  # answers given after it ended

    def acknowledged(self) -> int:
        return len(self.answers)

    def refused(self) -> Counter:
        return Counter(a for *_, a in self.answers if isinstance(a, str))


# The year -------------------------------------------------------------------------------

def set_up(cluster, contracts: int = 4, orders_per_contract: int = 12) -> Year:
    """Partners tiered B (PKP), the price standard, two budgets whose pagu the contracts
    commit to the last rupiah, and one contract more than the pagu holds (refused)."""
    with cluster.rpc("admin") as admin, cluster.rpc("verifier") as verifier, \
            cluster.rpc("assessor") as assessor, cluster.rpc("finance", sub="ppk.dewi") as fin:
        open_year(admin, YEAR)
        fin.contracts.publish_price_standard(YEAR, f"{YEAR}-01-01", [
            {"media_type": "online", "tier": "B", "product": "advertorial", "unit": "item",
             "unit_price": UNIT_PRICE}])
        ceiling = ORDER_TOTAL * orders_per_contract + SLACK
        # room for the partner's contract and more: the contract one too many meets the pagu
        fin.contracts.set_tier_ceiling(YEAR, "B", max(50_000_000, 2 * ceiling))
        signed = [{"activity_code": ACTIVITIES[n % 2], "ceiling": ceiling,
                   "partner_id": tiered_partner(admin, verifier, assessor, n + 1, "B",
                                                year=YEAR, pkp=True)}
                  for n in range(contracts)]
        pagu = Counter()
        for contract in signed:
            pagu[contract["activity_code"]] += contract["ceiling"]
        for code in ACTIVITIES:
            fin.contracts.set_budget(YEAR, code, f"Publikasi media {code[-1]}", pagu[code])
        for n, contract in enumerate(signed):
            contract["contract_id"] = sign(fin, n, **contract)
        try:
            sign(fin, len(signed), signed[0]["partner_id"], ACTIVITIES[0], 1, wait=False)
            refused = "signed"
        except RuleViolated as refusal:
            refused = refusal.code
    return Year(YEAR, dict(pagu), signed, refused)


def sign(finance, n, partner_id, activity_code, ceiling, wait: bool = True) -> str:
    """`wait`: until contracts has learnt the partner's standing and tier from events (refused
    until then); otherwise the first answer."""
    contract = {"number": f"{n + 1:03d}/SPK/{YEAR}", "fiscal_year": YEAR,
                "partner_id": partner_id, "activity_code": activity_code, "ceiling": ceiling,
                "starts_on": f"{YEAR}-01-01", "ends_on": f"{YEAR}-12-31"}
    if wait:
        return eventually(lambda: finance.contracts.sign_contract(contract))["contract_id"]
    return finance.contracts.sign_contract(contract)["contract_id"]


# The stream -----------------------------------------------------------------------------

RETRY = object()  # no answer: the same command again


class Caller:
    """One calling system: its own token and connection; each command retried under its
    command id until answered (a new connection after a failure)."""

    def __init__(self, cluster, ledger: Ledger, sub: str, deadline_s: float = 90):
        self.cluster, self.ledger, self.sub, self.deadline_s = cluster, ledger, sub, deadline_s
        self.proxy = self.rpc = None

    def __call__(self, method, target, *args, command_id: str, sp2d=None):
        """The answer (a dict), the refusal's code, or None when never answered."""
        deadline = time.monotonic() + self.deadline_s
        while (answer := self.attempt(method, target, *args, command_id=command_id)) is RETRY:
            if time.monotonic() > deadline:
                self.ledger.abandoned.append(command_id)
                return None
            self.ledger.retries += 1
            eventlet.sleep(0.3)
        if isinstance(answer, str) and answer not in REFUSALS:
            self.ledger.unexpected.append((command_id, answer))
        self.ledger.answers.append((method, target, sp2d, answer))
        return answer

    def attempt(self, method, *args, command_id: str):
        try:
            if self.proxy is None:
                self.proxy = self.cluster.rpc("finance", sub=self.sub, timeout=5)
                self.rpc = self.proxy.__enter__()
            return getattr(self.rpc.contracts, method)(*args, command_id=command_id)
        except ANSWERS as refusal:
            code = getattr(refusal, "code", None) or type(refusal).__name__
            return RETRY if code == "concurrent_change" else code
        except Exception:  # a timeout, a broken connection: the same command again
            self.close()
            return RETRY

    def close(self):
        self.proxy = self.rpc = close(self.proxy)


class Driver:
    """The orders of one contract, driven by one caller (two when racing)."""

    def __init__(self, callers: list[Caller], contract: dict, ledger: Ledger, n: int):
        self.callers, self.contract, self.ledger, self.n = callers, contract, ledger, n
        self.random = random.Random(f"{ledger.run}-{n}")
        self.steps = itertools.count(1)
        self.unpaid, self.paid = [], {}  # accepted orders; paid order -> its SP2D
        self.full = False

    def command_id(self, what: str) -> str:
        return f"{self.ledger.run}-{self.n}-{next(self.steps)}-{what}"

    def sp2d(self) -> str:
        return f"{self.ledger.run}-{self.n}-{next(self.steps)}/SP2D/LS/{YEAR}"

    def run(self, stop) -> None:
        while not stop.ready():
            if self.full:  # no room for another order: payments returned and paid again
                self.reverse_one() or eventlet.sleep(0.3)
            else:
                self.order_one()
                if self.random.random() < REVERSED:
                    self.reverse_one()
            for _ in range(len(self.unpaid)):
                self.pay()
            eventlet.sleep(PACE)
        for caller in self.callers:
            caller.close()

    def order_one(self) -> None:
        owner = self.callers[0]
        quantity = self.random.choice((1, 1, 2, 3))
        placed = owner("place_order", self.contract["contract_id"], {
            "product": "advertorial", "quantity": quantity, "title": f"Advertorial {self.n}",
            "publish_by": (TODAY + dt.timedelta(days=5)).isoformat()},
            command_id=self.command_id("place"))
        if placed == "contract_ceiling_exceeded":
            self.full = quantity == 1  # a smaller order may still fit: the last rupiah
        if not isinstance(placed, dict):
            return
        oid = placed["order_id"]
        if self.random.random() < CANCELLED:
            owner("cancel_order", oid, "the campaign was called off",
                  command_id=self.command_id("cancel"))
            return
        proof = {"kind": "link", "reference": f"https://sumselnews.id/{oid}",
                 "published_on": TODAY.isoformat(), "sha256": sha(oid)}
        if isinstance(owner("submit_proof", oid, proof, command_id=self.command_id("proof")),
                      dict) and isinstance(owner("review_proof", oid, "accepted", "BAST",
                                                 command_id=self.command_id("accept")), dict):
            self.unpaid.append(oid)

    def pay(self) -> None:
        if not self.unpaid:
            return
        if len(self.callers) == 1:
            self.settle([(self.callers[0], self.unpaid[0], self.sp2d())])
        elif len(self.unpaid) > 1:  # two orders claim one SP2D
            sp2d = self.sp2d()
            self.settle([(caller, oid, sp2d) for caller, oid in zip(self.callers, self.unpaid)])
        else:  # one order paid by two SP2Ds
            self.settle([(caller, self.unpaid[0], self.sp2d()) for caller in self.callers])

    def settle(self, payments) -> None:
        """Each payment at once; the orders paid (or found paid) leave the unpaid."""
        def one(caller, oid, sp2d):
            return oid, sp2d, caller("record_payment", oid, {
                "sp2d_number": sp2d, "paid_on": TODAY.isoformat()},
                command_id=self.command_id("pay"), sp2d=sp2d)

        answers = list(eventlet.GreenPool(len(payments)).starmap(one, payments))
        for oid, sp2d, answer in answers:
            if isinstance(answer, dict):
                self.paid[oid] = sp2d
        for oid, _, answer in answers:
            if oid in self.unpaid and (oid in self.paid or answer == "already_paid"):
                self.unpaid.remove(oid)

    def reverse_one(self) -> bool:
        if not self.paid:
            return False
        oid = self.random.choice(sorted(self.paid))
        sp2d = self.paid.pop(oid)
        if isinstance(self.callers[0]("reverse_payment", oid, sp2d, "SP2D returned by the bank",
                                      command_id=self.command_id("reverse"), sp2d=sp2d), dict):
            self.unpaid.append(oid)
        return True


def stream(cluster, year: Year, ledger: Ledger, stop, racing: bool = False,
           deadline_s: float = 90) -> list:
    """One driver per contract (callers `fin.<contract>` and, racing, `fin.<contract>b`),
    running until `stop` is set; wait() each green thread returned."""
    drivers = [Driver([Caller(cluster, ledger, f"fin.{n}{side}", deadline_s)
                       for side in (("a", "b") if racing else ("a",))], contract, ledger, n)
               for n, contract in enumerate(year.contracts)]
    return [eventlet.spawn(driver.run, stop) for driver in drivers]


# The books ------------------------------------------------------------------------------

@dataclass
class Reckoning:
    figures: dict
    line: str
    mismatches: list


def acknowledged_orders(ledger: Ledger) -> tuple[dict, set, list]:
    """What the answers say: each order's state, the events they stored, and what no answer
    may say (an order paid twice, an SP2D paying two orders)."""
    orders, records, wrong, sp2ds = {}, set(), [], {}
    states = {"submit_proof": "proof_submitted", "review_proof": "proof_accepted",
              "cancel_order": "cancelled", "reverse_payment": "proof_accepted"}
    for method, target, sp2d, answer in ledger.answers:
        if not isinstance(answer, dict):
            continue
        oid = answer["order_id"] if method == "place_order" else target
        records.add((RECORDS[method], oid, sp2d))
        order = orders.setdefault(oid, {"payment": None})
        if method == "place_order":
            order.update(contract_id=target, status="placed", total=answer["total"],
                         gross=answer["gross"])
        elif method == "record_payment":
            if order["payment"]:
                wrong.append(f"order {oid} paid twice: SP2D {order['payment']['sp2d']} "
                             f"and {sp2d}")
            if sp2d in sp2ds:
                wrong.append(f"SP2D {sp2d} paid orders {sp2ds[sp2d]} and {oid}")
            sp2ds[sp2d] = oid
            order.update(status="paid", payment={"sp2d": sp2d, "realised": answer["realised"],
                                                 "dpp": answer["dpp"]})
        elif method == "reverse_payment":
            standing = order["payment"] or {}
            if (standing.get("sp2d"), standing.get("realised")) != (sp2d, answer["reversed"]):
                wrong.append(f"order {oid}: reversed {sp2d} of {answer['reversed']:,}, the "
                             f"payment answered was {standing}")
            order.update(status=states[method], payment=None)
        else:
            order["status"] = states[method]
    return orders, records, wrong


def expected_money(year: Year, orders: dict) -> dict:
    """Per contract what its live orders reserve; per budget committed and paid."""
    activity = {c["contract_id"]: c["activity_code"] for c in year.contracts}
    reserved, paid = Counter(), Counter()
    for order in orders.values():
        if order["status"] in LIVE:
            reserved[order["contract_id"]] += (order["payment"] or {}).get(
                "realised", order["total"])
        if order["payment"]:
            paid[activity[order["contract_id"]]] += order["payment"]["realised"]
    committed = Counter()
    for contract in year.contracts:
        committed[contract["activity_code"]] += contract["ceiling"]
    return {"reserved": reserved, "committed": committed, "paid": paid,
            "gross": sum(o["gross"] for o in orders.values() if o["status"] in LIVE),
            "dpp": sum(o["payment"]["dpp"] for o in orders.values() if o["payment"])}


def stored_records(log: list[dict]) -> Counter:
    """The contracts log's order events, keyed as the answers key them."""
    return Counter((e["type"], e["originator_id"], e["payload"].get("sp2d_number")
                    if e["type"] in ("PaymentRecorded", "PaymentReversed") else None)
                   for e in log if e["type"] in RECORDS.values())


def ledger_records(rows: list[dict]) -> Counter:
    return Counter(({"payment": "PaymentRecorded", "reversal": "PaymentReversed"}[r["entry"]],
                    r["order_id"], r["sp2d_number"]) for r in rows)


def read_books(rpc, year: Year) -> dict:
    fy = year.fiscal_year
    return {"log": whole_log(rpc.contracts),
            "status": {s["source"]: s["lag"] for s in rpc.reporting.projection_status()},
            "budgets": {b["activity_code"]: b for b in rpc.contracts.budget_status(fy)},
            "realization": {b["activity_code"]: b
                            for b in rpc.reporting.budget_realization(fy)},
            "payments": rpc.reporting.payment_ledger(fy),
            "spending": rpc.reporting.spending(fy, "partner")}


def settled(books: dict, published: Counter) -> bool:
    stored = stored_records(books["log"])
    same = all(books["realization"].get(code, {}).get(k) == budget[k]
               for code, budget in books["budgets"].items() for k in ("committed", "paid"))
    return (all(lag == 0 for lag in books["status"].values()) and same
            and set(stored) <= set(published)
            and payments_of(stored) == set(ledger_records(books["payments"])))


def reconcile(cluster, year: Year, ledger: Ledger, tap, fault_ended: float | None = None,
              timeout: float = 90) -> Reckoning:
    """Wait (bounded) until the views have caught up, then check the books to the rupiah:
    contracts against what the callers were answered, reporting against contracts.
    `projected` counts the payments and reversals in reporting's payment ledger."""
    started = fault_ended or time.monotonic()
    books, unsettled = settle(cluster, year, ledger, tap, timeout)
    recovered_in = time.monotonic() - started
    if books is None:
        return Reckoning({}, f"{ledger.label}: the books could not be read", unsettled)
    orders, records, wrong = acknowledged_orders(ledger)
    with cluster.rpc("auditor", timeout=30) as rpc:
        contracts = {c["contract_id"]: rpc.contracts.get_contract(c["contract_id"])
                     for c in year.contracts}
        held = {oid: rpc.contracts.get_order(oid) for oid in orders}
    expected = expected_money(year, orders)
    stored, ledgered = stored_records(books["log"]), ledger_records(books["payments"])
    mismatches = [*unsettled, *wrong, *compare_records(records, stored, ledger.published,
                                                       ledgered)]
    if records - set(stored):
        mismatches += strays(cluster)
    mismatches += [f"never answered: {c}" for c in ledger.abandoned]
    mismatches += [f"unexpected answer: {c} {a}" for c, a in ledger.unexpected]
    mismatches += sp2ds_twice(books["log"])
    mismatches += compare_orders(orders, held)
    mismatches += compare_contracts(year, expected, contracts)
    mismatches += compare_budgets(year, expected, books)
    if year.refused != "budget_exceeded":
        mismatches.append(f"one contract more than the pagu holds: {year.refused}")
    figures = {**count_records(records, stored, ledger.published, ledgered),
               **rupiah(year, expected, books, contracts),
               "acknowledged": ledger.acknowledged(), "refused": dict(ledger.refused()),
               "orders": dict(Counter(o["status"] for o in orders.values())),
               "retries": ledger.retries, "recovered_in": recovered_in,
               "restarts": sum(getattr(p, "restarts", 0) for p in cluster.processes)}
    return Reckoning(figures, line(ledger, figures), mismatches)


def settle(cluster, year: Year, ledger: Ledger, tap, timeout: float) -> tuple[dict, list]:
    """The books once the views have caught up (or as they stand at the timeout, said so)."""
    deadline, proxy, books, read_error = time.monotonic() + timeout, None, None, ""
    while True:
        ledger.published.update(stored_records(tap.drain(timeout=0)))
        try:
            if proxy is None:
                proxy = cluster.rpc("auditor", timeout=10)
                rpc = proxy.__enter__()
            books = read_books(rpc, year)
            if settled(books, ledger.published):
                close(proxy)
                return books, []
        except Exception as exc:
            read_error = f"{type(exc).__name__}: {str(exc)[:300]}"
            proxy = close(proxy)
        if time.monotonic() > deadline:
            close(proxy)
            ledger.published.update(stored_records(tap.drain(timeout=1)))
            return books, [f"not settled in {timeout:.0f}s (last read error: {read_error})"]
        time.sleep(0.3)


def payments_of(stored: Counter) -> set:
    return {k for k in stored if k[0] in ("PaymentRecorded", "PaymentReversed")}


def compare_records(records: set, stored: Counter, published: Counter,
                    ledgered: Counter) -> list[str]:
    """Each acknowledged command's event stored once, published, and (payments) projected
    once; nothing stored that no answer acknowledged."""
    keys, payments = set(stored), payments_of(stored)
    return ([f"acknowledged, not stored: {k}" for k in sorted(records - keys)]
            + [f"stored, never acknowledged: {k}" for k in sorted(keys - records)]
            + [f"stored, not published: {k}" for k in sorted(keys - set(published))]
            + [f"paid, not in the payment ledger: {k}" for k in sorted(payments - set(ledgered))]
            + [f"in the payment ledger, not paid in contracts: {k}"
               for k in sorted(set(ledgered) - payments)]
            + [f"{k} stored {n} times" for k, n in stored.items() if n > 1]
            + [f"{k} {n} times in the payment ledger" for k, n in ledgered.items() if n > 1])


def count_records(records: set, stored: Counter, published: Counter, ledgered: Counter) -> dict:
    keys, payments = set(stored), payments_of(stored)
    return {"stored": len(records & keys), "published": len(keys & set(published)),
            "projected": len(payments & set(ledgered)),
            "duplicated": sum(n - 1 for n in stored.values()) + sum(
                n - 1 for n in ledgered.values()),
            "lost": len(records - keys) + len(keys - set(published)) + len(
                payments - set(ledgered)),
            "republished": sum(n - 1 for n in published.values())}


def rupiah(year: Year, expected: dict, books: dict, contracts: dict) -> dict:
    return {"pagu": sum(year.pagu.values()),
            "committed": sum(b["committed"] for b in books["budgets"].values()),
            "paid": sum(b["paid"] for b in books["budgets"].values()),
            "reserved": sum(c["reserved"] for c in contracts.values()),
            "reporting_committed": sum(b["committed"] for b in books["realization"].values()),
            "reporting_paid": sum(b["paid"] for b in books["realization"].values()),
            "ledger_realised": sum(r["realised"] for r in books["payments"]),
            "answered_paid": sum(expected["paid"].values()),
            "answered_reserved": sum(expected["reserved"].values())}


def strays(cluster) -> list[str]:
    """Service processes on this vhost that are not this cluster's (another schema prefix):
    they may have answered a call into another store."""
    from pathlib import Path

    ours = {p.proc.pid for p in cluster.processes}
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            env = dict(v.split("=", 1) for v in environ.read_bytes().decode(
                errors="replace").split("\0") if "=" in v)
            args = (environ.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "nameko" in args and env.get("AMQP_URI") == cluster.amqp_uri and int(
                environ.parent.name) not in ours:
            found.append(f"stray process {environ.parent.name} on this vhost: {args[-80:]} "
                         f"schemas {env.get('POSTGRES_SCHEMA_PREFIX')} (ours "
                         f"{cluster.env.get('POSTGRES_SCHEMA_PREFIX')})")
    return found


def sp2ds_twice(log: list[dict]) -> list[str]:
    """No SP2D pays twice; no order is paid again before its payment is reversed."""
    wrong, claimed, standing = [], {}, {}
    for e in log:
        oid, sp2d = e["originator_id"], e["payload"].get("sp2d_number")
        if e["type"] == "PaymentRecorded":
            if sp2d in claimed:
                wrong.append(f"SP2D {sp2d} recorded for {claimed[sp2d]} and {oid}")
            if standing.get(oid):
                wrong.append(f"order {oid} paid with {sp2d} while {standing[oid]} stands")
            claimed[sp2d], standing[oid] = oid, sp2d
        elif e["type"] == "PaymentReversed":
            standing[oid] = None
    return wrong


def compare_orders(orders: dict, held: dict) -> list[str]:
    wrong = []
    for oid, order in orders.items():
        got = held[oid]
        payment = got["payment"] and (got["payment"]["sp2d_number"],
                                      got["payment"]["realised"])
        want = order["payment"] and (order["payment"]["sp2d"], order["payment"]["realised"])
        if (got["status"], payment) != (order["status"], want):
            wrong.append(f"order {oid}: contracts says {got['status']} {payment}, the callers "
                         f"were answered {order['status']} {want}")
    return wrong


def compare_contracts(year: Year, expected: dict, contracts: dict) -> list[str]:
    wrong = []
    for contract in year.contracts:
        cid, got = contract["contract_id"], contracts[contract["contract_id"]]
        if got["reserved"] != expected["reserved"][cid] or got["ceiling"] != contract[
                "ceiling"] or got["reserved"] > got["ceiling"] or got["remaining"] != got[
                "ceiling"] - got["reserved"]:
            wrong.append(f"contract {cid}: ceiling {got['ceiling']:,} reserved "
                         f"{got['reserved']:,} remaining {got['remaining']:,}; answered: "
                         f"ceiling {contract['ceiling']:,} reserved "
                         f"{expected['reserved'][cid]:,}")
    return wrong


def compare_budgets(year: Year, expected: dict, books: dict) -> list[str]:
    wrong = []
    for code, pagu in year.pagu.items():
        want = {"pagu": pagu, "committed": expected["committed"][code],
                "paid": expected["paid"][code], "remaining": pagu - expected["committed"][code]}
        for side in ("budgets", "realization"):
            got = {k: books[side].get(code, {}).get(k) for k in want}
            if got != want:
                wrong.append(f"{side} {code}: {got}, answered {want}")
    for code, budget in books["budgets"].items():
        if not budget["paid"] <= budget["committed"] <= budget["pagu"]:
            wrong.append(f"budget {code} exceeded: {budget}")
    ledger_paid = sum(r["realised"] for r in books["payments"])
    if ledger_paid != sum(expected["paid"].values()):
        wrong.append(f"payment ledger realised {ledger_paid:,}, answered "
                     f"{sum(expected['paid'].values()):,}")
    spending = books["spending"]
    spent = (spending["total"], sum(r["paid"] for r in spending["rows"]))
    if spent != (expected["gross"], expected["dpp"]):
        wrong.append(f"spending committed/paid {spent}, answered "
                     f"{(expected['gross'], expected['dpp'])}")
    return wrong


def line(ledger: Ledger, f: dict) -> str:
    refused = ", ".join(f"{n} {code}" for code, n in sorted(f["refused"].items())) or "none"
    orders = ", ".join(f"{n} {status}" for status, n in sorted(f["orders"].items()))
    return (f"{ledger.label}: acknowledged {f['acknowledged']} (refused: {refused}; "
            f"{ledger.before_fault} before the fault, {ledger.after_fault} after it; orders "
            f"{orders}) / stored {f['stored']} / published {f['published']} / projected "
            f"{f['projected']} / duplicated {f['duplicated']} / lost {f['lost']} / rupiah: "
            f"pagu {f['pagu']:,}, contracts committed {f['committed']:,} paid {f['paid']:,} "
            f"reserved {f['reserved']:,}; "
            f"reporting committed {f['reporting_committed']:,} paid {f['reporting_paid']:,} "
            f"ledger {f['ledger_realised']:,}; answered paid {f['answered_paid']:,} reserved "
            f"{f['answered_reserved']:,} / caller retries {f['retries']} / process restarts "
            f"{f['restarts']} / recovered in {f['recovered_in']:.1f}s")
