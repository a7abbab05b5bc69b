"""Known-answer tests from public sources (docs/wechatpay-apiv3.md §11)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from kiosk.wechatpay import aead
from kiosk.wechatpay.errors import DecryptionError
from kiosk.wechatpay.signing import request_message, response_message, sign
from kiosk.wechatpay.verifying import verify_signature

VECTORS = Path(__file__).parent / "vectors"
MERCHANT_KEY = load_pem_private_key((VECTORS / "doc_merchant_key.pem").read_bytes(), None)
VERIFY_KEY = load_pem_public_key((VECTORS / "doc_verify_public_key.pem").read_bytes())

VECTOR_A_BODY = (
    '{"appid":"wxd678efh567hg6787","mchid":"1900007291","description":"Image形象店-深圳腾大-QQ公仔",'
    '"out_trade_no":"1217752501201407033233368018","notify_url":"https://www.weixin.qq.com/wxpay/pay.php",'
    '"amount":{"total":100,"currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}'
).encode()
VECTOR_A_SIGNATURE = (
    "jnks4dlrPw3ZX+ozVvSK39oa0t7OMBsg83BHAwd8BRdUFiVaQNTLTvci+wURgP1OQBbKYhFGvt7iqYpDSTQkp7Uq1sltaQKyncCyrA1g88m5"
    "bsKERQfPyT0ahSwKTYJ1CAn9QiJuSJRq1QsQs07eehbU/k9BCS51jTyc1Jpsi2H77HF9f/BnjXAOP3/sPObg6V5Ee4EzwLox684hhuMuIwHo"
    "7D8KFk3LIHOKDcNI4It1aCXydFWNpNK+SG86VUDe5kwoDpw4Ulqfu9z8OFDGbDs9TCxEv8iqQzbpxOlEVoOe2kalSYM5kApQb3nZcxdUtoE0"
    "liJGW3RGUNE0t4v01A=="
)
VECTOR_B_SIGNATURE = (
    "Lc9VXxmeonkdV8Xk9tmigQFLhl0vRWTerdmoRu01aAnYwIrD/5nsSwE1WlmZGLRlAFTNQ3QsMa0+VRDlJp1Wp5p0nO8EK68b5sJBbjouxaFc"
    "iIfq1zfDWWz+jqhcMoKXI1A6dPm1AW7D4d30WsMTNzp6g23OXakIsh9LO3lUmwvTuE0BY8ncf6tNGk4wKmvXwERd/ZpoQY3MAVKz+Nakwc+2"
    "XBmzT66KcUehU5kr4IvGa/lEU5RZb/q00zP9VLdBhC/jQSX3X1UcJLCtEc4gTmib4tnmAT+bHF/e17ZAuxDNcx6rqT8gNEXqaJGG+1OflMST"
    "U2tpyG65G4dMKdFcoA=="
)
VECTOR_D_SIGNATURE = (
    "mfI1CPqvBrgcXfgXMFjdNIhBf27ACE2YyeWsWV9ZI7T7RU0vHvbQpu9Z32ogzc+k8ZC5n3kz7h70eWKjgqNdKQF0eRp8mVKlmfzMLBVHbssB"
    "9jEZEDXThOX1XFqX7s7ymia1hoHQxQagPGzkdWxtlZPZ4ZPvr1RiqkgAu6Is8MZgXXrRoBKqjmSdrP1N7uxzJ/cjfSiis9FiLjuADoqmQ1P7"
    "p2N876YPAol7Rn0+GswwAwxldbdLrmVSjfytfSBJFqTMHn4itojgxSWWN1byuckQt8hSTEv/Lg97QoeGniYP17T80pJeQyL3b+295FPHSO2A"
    "tvCgyIbKMZ0BALilAA=="
)


def test_vector_a_post_with_body() -> None:
    message = request_message(
        "POST", "/v3/pay/transactions/jsapi", 1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242", VECTOR_A_BODY
    )
    assert sign(MERCHANT_KEY, message) == VECTOR_A_SIGNATURE  # type: ignore[arg-type]


def test_vector_b_get_without_body() -> None:
    message = request_message(
        "GET", "/v3/refund/domestic/refunds/123123123123", 1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242", b""
    )
    assert message.endswith(b"593BEC0C930BF1AFEB40B4A08C8FB242\n\n")
    assert sign(MERCHANT_KEY, message) == VECTOR_B_SIGNATURE  # type: ignore[arg-type]


def test_vector_d_response_verification() -> None:
    message = response_message(
        1722850421, "d824f2e086d3c1df967785d13fcd22ef", b'{"code_url":"weixin://wxpay/bizpayurl?pr=JyC91EIz1"}'
    )
    assert verify_signature(VERIFY_KEY, message, VECTOR_D_SIGNATURE)  # type: ignore[arg-type]
    assert not verify_signature(VERIFY_KEY, message.replace(b"JyC", b"JyD"), VECTOR_D_SIGNATURE)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "nonce", "aad", "ciphertext", "plaintext"),
    [
        # wechatpay-go utils/aes_test.go (16-byte key: AES-128-GCM)
        (
            "testAPIv3Key0000",
            "wCq51qZv4Yfg",
            "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8",
            "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC",
            b"Hello World",
        ),
        # wechatpay-java AeadAesCipherTest
        (
            "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb",
            "uluk4a9R25RW",
            "associatedData",
            "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=",
            b"message",
        ),
        # wechatpay-axios-plugin aes.test.js (16-byte IV, empty and non-empty AAD)
        ("0123456789abcdef0123456789abcdef", "0123456789abcdef", "", "GvpmmdtYwexXIPhySs9Tlg==", b""),
        ("0123456789abcdef0123456789abcdef", "0123456789abcdef", "world", "APoZlYpivU3HjbAiB4CvW1rAFr8J", b"hello"),
    ],
)
def test_aead_known_answers(key: str, nonce: str, aad: str, ciphertext: str, plaintext: bytes) -> None:
    assert aead.decrypt(key.encode(), nonce, aad, ciphertext) == plaintext
    assert aead.encrypt(key.encode(), nonce, aad, plaintext) == ciphertext


def test_aead_rejects_wrong_associated_data() -> None:
    with pytest.raises(DecryptionError):
        aead.decrypt(b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb", "uluk4a9R25RW", "other", "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=")
