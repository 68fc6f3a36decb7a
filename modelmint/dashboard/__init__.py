"""Modelmint's web dashboard and marketplace: an indexer and a web app over one deployment.

    $ python -m modelmint.dashboard --record deployments/local-node.json --rpc http://127.0.0.1:8545

``indexer`` follows the deployment's events into its ``store`` (an SQLite file, or PostgreSQL
in the schema ``indexer`` through ``pgstore``; resumable, confirmations, reorg rollback);
``views`` answers the pages' queries, one module per page (history from the
index, current state from the contracts, read through ``reads``); ``errors`` names what
they refuse; ``app`` serves them as JSON with the static front-end in ``static/``, where
every write goes through the user's browser wallet (EIP-1193) with ethers.
Ape-free: web3.py, psycopg, ``modelmint.abi``, ``modelmint.records`` and ``modelmint.pgdb``.
"""
