import org.apache.cassandra.auth.AuthConfig;
import org.apache.cassandra.config.DatabaseDescriptor;

/**
 * Loads a cassandra.yaml (-Dcassandra.config) the way a Cassandra 5.0 node does at start-up and
 * prints the authentication classes and the commit log mode it would run with. Used by cassandra-config.test.ts to
 * prove what the Cassandra pods' init container writes; compiled by the test.
 */
public class CheckCassandraConfig {
  public static void main(String[] args) {
    DatabaseDescriptor.daemonInitialization();
    AuthConfig.applyAuth();
    System.out.println("authenticator=" + DatabaseDescriptor.getAuthenticator().getClass().getName()
      + " requireAuthentication=" + DatabaseDescriptor.getAuthenticator().requireAuthentication());
    System.out.println("authorizer=" + DatabaseDescriptor.getAuthorizer().getClass().getName()
      + " requireAuthorization=" + DatabaseDescriptor.getAuthorizer().requireAuthorization());
    System.out.println("roleManager=" + DatabaseDescriptor.getRoleManager().getClass().getName());
    System.out.println("commitLogSync=" + DatabaseDescriptor.getCommitLogSync());
  }
}
