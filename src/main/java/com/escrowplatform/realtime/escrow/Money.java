package com.escrowplatform.realtime.escrow;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;

/**
 * Money on the wire: {@code {"amount": "125.00", "currency": "USD"}}, a decimal string with exactly the
 * currency's minor digits (ISO 4217), never a JSON number (CONTRACT 2).
 */
public record Money(String amount, String currency) {

    public static Money of(BigDecimal amount, String currency) {
        int digits = minorDigits(currency);
        return new Money(amount.setScale(digits, RoundingMode.UNNECESSARY).toPlainString(), currency);
    }

    /** The currency's minor digits; 2 for codes the JDK does not know digits of. */
    public static int minorDigits(String currency) {
        int digits = Currency.getInstance(currency).getDefaultFractionDigits();
        return digits < 0 ? 2 : digits;
    }
}
