/**
 * A person's name as the service keeps it: a user principal name, e-mail address, chat handle or subject id (Entra
 * ID guest UPNs hold `#EXT#`). Compared and stored lower-cased.
 */
export const PERSON_NAME = /^[A-Za-z0-9._@+#-]{1,128}$/;
export const PERSON_NAME_RULE = '1-128 letters, digits or . _ @ + # -';
