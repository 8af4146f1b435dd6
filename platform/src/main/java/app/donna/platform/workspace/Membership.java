package app.donna.platform.workspace;

/**
 * Where a signed-in user works, and as what.
 *
 * @param workspaceId the workspace
 * @param role        what they may do there
 * @param source      why: a membership the owner manages, the identity provider's role claim, or the
 *                    deployment's configured owners
 */
public record Membership(String workspaceId, Role role, Source source) {

    public enum Role {
        /** Manages members and the persona, and sees and acts on everything. */
        OWNER,
        /** Sees and acts on the workspace's conversations. */
        STAFF
    }

    public enum Source {
        MEMBERSHIP,
        CLAIM,
        CONFIGURATION
    }

    public boolean owner() {
        return role == Role.OWNER;
    }
}
