"""The baseline service of the command benchmarks: nameko RPC that does nothing."""
from nameko.rpc import rpc


class EchoService:
    name = "bench_echo"

    @rpc
    def echo(self, value):
        return value
