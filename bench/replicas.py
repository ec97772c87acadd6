"""python -m bench.replicas [--store postgres|sqlite] [--replicas 1,2,3,3,2,1] [--callers 8]
                          [--calls 480] [--commands register_partner,place_order]

A command's rate through RPC with 1, 2 and 3 replicas of its service, each figure beside an
echo RPC with the same callers measured just before it, and where the CPU went meanwhile.

The services, the regency and the calls are bench/commands.py's (processes as docker-compose
runs them, the demo regency set up through RPC). The replica counts are taken in the order
given, there and back (1 2 3 3 2 1), so that a drift of the shared machine's load during the
run weighs on each count alike; the summary averages each count's runs and sets them against
one replica's. The callers are green threads of this process, monkey-patched as `nameko run`
is: without it a ClusterRpcProxy's wait for its reply blocks the whole process and the
callers take turns, one call in flight at a time.

CPU per command, read from /proc over each figure: this process (the callers), the command's
service (every replica), the other services (the consumers of its events, the echo service),
RabbitMQ (its beam.smp, serving other sessions too), PostgreSQL (the backends of this process's
and the services' connections) and the rest of the machine (other sessions, the kernel, the
database's shared processes). `busy cores` is all of it per second of the figure, out of the
machine's cores. With a baseline for the database's share: a one-row commit against a
`SELECT 1` round trip on the same server, before and after the figures.
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()  # as `nameko run` does: the callers are green threads

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from bench import broker  # noqa: E402
from bench.commands import ROLE, SERVICE, Bench, Regency  # noqa: E402
from seklik.tables import render  # noqa: E402
from shared.config import Settings, conninfo  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
PARTS = ("callers", "service", "consumers", "rabbitmq", "postgres", "rest")


def process_cpu(pid: int | str) -> float:
    """CPU seconds (user + system) of a process so far; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def named(comm: str) -> list[str]:
    """The pids of every process called `comm`."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == comm:
                    pids.append(pid)
        except OSError:  # gone meanwhile
            pass
    return pids


def broker_pid() -> str:
    """RabbitMQ's own beam.smp: the oldest (each `rabbitmqctl` runs a short-lived one too)."""
    def started(pid):
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])

    return min(named("beam.smp"), key=started)


def client_ports(pids, server_port: int) -> list[int]:
    """The local ports of the TCP connections `pids` hold to `server_port`."""
    sockets = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    sockets.add(link[8:-1])
        except OSError:  # gone, or the descriptor closed meanwhile
            pass
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in list(f)[1:]:
                local, remote, inode = (line.split()[i] for i in (1, 2, 9))
                if inode in sockets and int(remote.rsplit(":", 1)[1], 16) == server_port:
                    ports.append(int(local.rsplit(":", 1)[1], 16))
    return ports


def machine_busy() -> float:
    """CPU seconds every core spent on anything but idling and waiting for the disk."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, f.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / TICK


class CpuMeter:
    """CPU seconds of each part: `read()` before and after a figure, `spent()` between."""

    def __init__(self, services: dict, settings: Settings):
        self.services = services  # Popen -> service name, of every process the bench runs
        self.broker = broker_pid()
        self.postgres = settings.postgres
        if self.postgres:
            import psycopg

            self.catalog = psycopg.connect(conninfo(self.postgres), autocommit=True)

    def backends(self) -> list[int]:
        """The PostgreSQL backends serving this process and the services (not the other
        sessions the server serves meanwhile): by the client ports of their connections."""
        if not self.postgres:
            return []
        ports = client_ports([os.getpid(), *(p.pid for p in self.services)],
                             int(self.postgres["POSTGRES_PORT"]))
        return [pid for pid, in self.catalog.execute(
            "SELECT pid FROM pg_stat_activity WHERE client_port = ANY(%s)"
            " AND pid <> pg_backend_pid()", (ports,))]

    def read(self, service: str) -> dict:
        own = os.times()
        mine = {"callers": own.user + own.system, "service": 0.0, "consumers": 0.0}
        for proc, name in self.services.items():
            mine["service" if name == service else "consumers"] += process_cpu(proc.pid)
        # Per pid, so that a backend that ends meanwhile takes its CPU with it, not more.
        mine["rabbitmq"] = {self.broker: process_cpu(self.broker)}
        mine["postgres"] = {pid: process_cpu(pid) for pid in self.backends()}
        mine["machine"] = machine_busy()
        return mine

    def close(self) -> None:
        if self.postgres:
            self.catalog.close()

    def spent(self, before: dict, after: dict) -> dict:
        spent = {part: after[part] - before[part] for part in ("callers", "service",
                                                                 "consumers", "machine")}
        for part in ("rabbitmq", "postgres"):
            spent[part] = sum(cpu - before[part].get(pid, 0.0)
                              for pid, cpu in after[part].items())
        spent["rest"] = spent.pop("machine") - sum(spent[p] for p in PARTS[:-1])
        return spent


def commit_latency(settings: Settings, rounds: int = 300) -> dict:
    """Milliseconds of a one-row INSERT committed (a WAL flush) and of a SELECT 1 round trip,
    on the same connection to the same server."""
    import psycopg

    with psycopg.connect(conninfo(settings.postgres), autocommit=True) as conn:
        # Not a temporary table, which is not WAL-logged: one of its own, dropped at the end.
        table = f'"bench_commit_{os.getpid()}"'
        conn.execute(f"CREATE TABLE {table} (n int)")
        try:
            started = time.perf_counter()
            for _ in range(rounds):
                conn.execute("SELECT 1")
            select = (time.perf_counter() - started) / rounds
            started = time.perf_counter()
            for n in range(rounds):
                conn.execute(f"INSERT INTO {table} VALUES (%s)", (n,))  # autocommit
            commit = (time.perf_counter() - started) / rounds
        finally:
            conn.execute(f"DROP TABLE {table}")
    return {"commit ms": commit * 1000, "select ms": select * 1000}


def figures(bench: Bench, meter: CpuMeter, command: str, call, replicas: list[int],
            callers: int, calls: int) -> list[dict]:
    """The command with `callers` callers on each replica count in turn."""
    service, role, extras, rows = SERVICE[command], ROLE[command], [], []
    bench.rate(role, 1, 20, call)  # warm up: the first calls of a process cost more
    for count in replicas:
        while len(extras) < count - 1:
            extras.append(bench.start(service))
            meter.services[extras[-1]] = service
        while len(extras) > count - 1:
            proc = extras.pop()
            meter.services.pop(proc)
            bench.stop_one(proc)
        bench.rate(role, callers, 4 * callers, call)  # each replica's first calls, not timed
        bench.settle()
        echo = bench.rate("admin", callers, calls, lambda rpc, n: rpc.bench_echo.echo("x"))
        before, started = meter.read(service), time.perf_counter()
        rate = bench.rate(role, callers, calls, call)
        seconds, spent = time.perf_counter() - started, meter.spent(before, meter.read(service))
        done = rate * seconds  # the calls made
        rows.append({"command": command, "replicas": count, "callers": callers,
                     "per s": round(rate), "echo RPC/s": round(echo),
                     "vs echo": f"{rate / echo:.2f}",
                     **{f"{part} ms": round(spent[part] / done * 1000, 2) for part in PARTS},
                     "busy cores": round(sum(spent.values()) / seconds, 2)})
        bench.settle()
    for proc in extras:
        meter.services.pop(proc)
        bench.stop_one(proc)
    return rows


def summary(rows: list[dict]) -> list[dict]:
    """Per command and replica count: the mean of its runs, against one replica's mean."""
    out = []
    for command in dict.fromkeys(row["command"] for row in rows):
        counts = {}
        for row in rows:
            if row["command"] == command:
                counts.setdefault(row["replicas"], []).append(row)
        one = statistics.mean(r["per s"] for r in counts[min(counts)])
        for count, runs in sorted(counts.items()):
            rate = statistics.mean(r["per s"] for r in runs)
            out.append({"command": command, "replicas": count, "runs": len(runs),
                        "per s": round(rate), "vs 1 replica": f"{rate / one:.2f}",
                        "vs echo": f"{statistics.mean(float(r['vs echo']) for r in runs):.2f}",
                        **{f"{part} ms": round(statistics.mean(r[f"{part} ms"] for r in runs),
                                               2) for part in PARTS},
                        "busy cores": round(statistics.mean(r["busy cores"] for r in runs),
                                            2)})
    return out


def main(store: str, replicas: list[int], callers: int, calls: int,
         commands: list[str]) -> None:
    load = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp), store)
        regency = Regency(bench)
        settings = Settings.from_env(bench.env)
        meter = CpuMeter({}, settings)
        try:
            for service in ("bench_echo", "partners", "assessment", "contracts"):
                meter.services[bench.start(service)] = service
            database = [commit_latency(settings)] if settings.postgres else []
            regency.open_round()
            if "register_partner" in commands:
                rows += figures(bench, meter, "register_partner", regency.register, replicas,
                                callers, calls)
            if "place_order" in commands:
                regency.open_trade()
                rows += figures(bench, meter, "place_order", regency.place, replicas, callers,
                                calls)
            if settings.postgres:
                database.append(commit_latency(settings))
        finally:
            meter.close()
            bench.stop()
    print(f"Commands through RPC with 1 to {max(replicas)} replicas of their service "
          f"({'PostgreSQL' if store == 'postgres' else 'SQLite'} stores, local RabbitMQ, "
          f"{os.cpu_count()} cores), {calls} commands per figure from {callers} callers, "
          f"replica counts in the order {' '.join(map(str, replicas))}; load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} before, "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} after; callers that collided 5 "
          f"times sent again: {bench.retries}")
    print("CPU ms per command of: the callers (this process), the command's service (all "
          "replicas), the other services, RabbitMQ (the whole broker), PostgreSQL (the "
          "backends of the bench's connections), the rest of the machine; busy cores: all "
          "of it per second")
    print(render(rows, ["command", "replicas", "per s", "echo RPC/s", "vs echo",
                        *(f"{part} ms" for part in PARTS), "busy cores"]))
    print("\nEach replica count's runs averaged, against one replica's\n")
    print(render(summary(rows), ["command", "replicas", "runs", "per s", "vs 1 replica",
                                 "vs echo", *(f"{part} ms" for part in PARTS), "busy cores"]))
    for when, latency in zip(("before", "after"), database):
        print(f"PostgreSQL {when}: a one-row commit {latency['commit ms']:.2f} ms, a SELECT 1 "
              f"round trip {latency['select ms']:.2f} ms (commit "
              f"{latency['commit ms'] / latency['select ms']:.1f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.replicas")
    parser.add_argument("--store", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--replicas", default="1,2,3,3,2,1",
                        help="replica counts, in order (default 1,2,3,3,2,1)")
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument("--calls", type=int, default=480, help="commands per figure")
    parser.add_argument("--commands", default="register_partner,place_order")
    args = parser.parse_args()
    with broker.own_vhost():
        main(args.store, [int(n) for n in args.replicas.split(",")], args.callers,
             args.calls, args.commands.split(","))
