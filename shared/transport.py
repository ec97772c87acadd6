"""RPC messages stay off RabbitMQ's disk.

An RPC request or reply may carry personal numbers in clear (an admin's `register_partner`
holds the NPWP; `get_partner` answers it to a verifier). nameko publishes both persistent, and
RabbitMQ writes a persistent message routed to a durable queue (`rpc-<service>`, every reply
queue) into its message store on disk, where it stays in the files after it is consumed.
Unlike events, an RPC message is worth nothing once its caller has stopped waiting for it, so
SEKLIK publishes its own as transient (delivery mode 1): RabbitMQ keeps them in memory.

`Responder.publisher_cls` and `MethodProxy.publisher_cls` are nameko's own points for choosing
the publisher; importing this module sets them for the whole process. Every SEKLIK process
imports it: the services (shared/service.py), their feeds (shared/consumer.py) and the command
line. Events are not touched: the relay publishes them persistent, sealed (shared/personal.py).
Other systems calling with nameko's ClusterRpcProxy should do the same (README, docs/rpc.md).
"""
from __future__ import annotations

import nameko.rpc
from nameko.amqp.publish import Publisher
from nameko.constants import NON_PERSISTENT


class TransientPublisher(Publisher):
    delivery_mode = NON_PERSISTENT


nameko.rpc.Responder.publisher_cls = TransientPublisher   # replies, from every service
nameko.rpc.MethodProxy.publisher_cls = TransientPublisher  # requests, from SEKLIK's proxies
