package dev.triggerapi.ids;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void idsAre25LowerCaseBase36CharactersStartingWithTheTimestamp() {
        String id = Ids.newId();
        assertThat(id).hasSize(25).matches("c[0-9a-z]{24}");
        long millis = Long.parseLong(id.substring(1, 9), 36);
        assertThat(millis).isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis() + 1);
    }

    @Test
    void idsDoNotRepeatAndTheirRandomPartUsesEveryDigitInEveryPosition() {
        int n = 20_000;
        Set<String> ids = new HashSet<>();
        @SuppressWarnings("unchecked")
        Set<Character>[] seen = new Set[16];
        for (int p = 0; p < seen.length; p++) {
            seen[p] = new HashSet<>();
        }
        for (int i = 0; i < n; i++) {
            String id = Ids.newId();
            ids.add(id);
            for (int p = 0; p < 16; p++) {
                seen[p].add(id.charAt(9 + p));
            }
        }
        assertThat(ids).hasSize(n);
        for (Set<Character> digits : seen) {
            // 20,000 draws miss one of 36 digits with probability ~36 * (35/36)^20000: never.
            assertThat(digits).hasSize(36);
        }
    }
}
