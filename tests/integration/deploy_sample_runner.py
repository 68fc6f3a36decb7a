"""Run the sample multi-step plan against the RPC in argv[1], recording to argv[2].

A subprocess of test_deploy_resume.py, so that it can be SIGKILLed at any instant.
"""

import sys
from pathlib import Path

from fixtures.plans import sample_plan  # tests/ is on PYTHONPATH (deploy_cli_helpers.SUB_ENV)


def main(uri: str, record: str) -> None:
    from ape import accounts, networks, project

    from modelmint.deploy.engine import Deployment

    with networks.parse_network_choice(
        "ethereum:local:node", provider_settings={"uri": uri}
    ) as provider:
        test = accounts.test_accounts
        plan = sample_plan(str(test[8].address), str(test[7].address))
        Deployment(
            plan,
            project=project,
            provider=provider,
            account=test[0],
            record_path=Path(record),
            network="local",
        ).run()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
