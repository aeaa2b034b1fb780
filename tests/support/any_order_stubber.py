"""botocore's Stubber for calls the code sends at once (tests only).

`Stubber` answers calls from one queue, in the order they were queued, and fails a call whose
operation is not the next. Reads that go out concurrently (a group and its rule rows, for an
event) reach it in no fixed order: `AnyOrderStubber` answers each call with the first response
queued for its operation, still checking the parameters queued with it, and still failing a
call for which none is queued.
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.stub import Stubber


class AnyOrderStubber(Stubber):
    def __init__(self, client: Any) -> None:
        super().__init__(client)
        # Each of the stubber's two steps for a call (its parameters checked, its response
        # taken) looks at the front of the queue after bringing its operation's first response
        # there: under one lock, so that another call's step cannot move it in between.
        self._one_at_a_time = threading.Lock()

    def _assert_expected_params(self, model: Any, params: Any, context: Any, **kwargs: Any) -> None:
        with self._one_at_a_time:
            super()._assert_expected_params(model, params, context, **kwargs)

    def _get_response_handler(self, model: Any, params: Any, context: Any, **kwargs: Any) -> Any:
        with self._one_at_a_time:
            return super()._get_response_handler(model, params, context, **kwargs)

    def _assert_expected_call_order(self, model: Any, params: Any) -> None:
        queue = self._queue
        for index, item in enumerate(queue):
            if item["operation_name"] == model.name:
                del queue[index]
                queue.appendleft(item)
                break
        super()._assert_expected_call_order(model, params)
