package com.escrowplatform.realtime.escrow;

import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import com.escrowplatform.realtime.security.Caller;

/** The JSON bodies of the escrow calls (CONTRACT 2). Field rules here; cross-field rules in the service. */
public final class EscrowRequests {
    private EscrowRequests() {
    }

    public record CreateEscrow(
            @NotBlank @Size(max = 200) String title,
            @Size(max = 4000) String description,
            @NotBlank @Size(max = Caller.MAX_USER_ID_LENGTH) String sellerId,
            @Size(min = 1, max = Caller.MAX_USER_ID_LENGTH) String arbiterId,
            @NotNull @Size(min = 1, max = 100) List<@NotNull @Valid MilestoneInput> milestones) {
    }

    public record MilestoneInput(@NotBlank @Size(max = 200) String title, @NotNull @Valid MoneyInput amount) {
    }

    public record MoneyInput(
            @NotNull @Pattern(regexp = "\\d{1,15}(\\.\\d{1,4})?", message = "must be a decimal string such as \"125.00\"") String amount,
            @NotNull @Pattern(regexp = "[A-Z]{3}", message = "must be an ISO 4217 code such as \"USD\"") String currency) {
    }

    public record FileDispute(@NotBlank @Size(max = 2000) String reason) {
    }

    public record ResolveDispute(@NotNull Dispute.Resolution resolution, @Size(max = 2000) String note) {
    }
}
