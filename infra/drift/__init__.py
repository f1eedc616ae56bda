"""``teamstack drift``: a read-only, three-way comparison of state, code and the live cloud.

state (the Pulumi backend's checkpoint) is what the last deploy left; code (the offline plan)
is what the repository asks for now; live (AWS through boto3, Kubernetes through its client)
is what runs. Each difference is classified by who owns the field (see ``classify``). Nothing
here takes a lock, writes state or calls a mutating API.
"""
