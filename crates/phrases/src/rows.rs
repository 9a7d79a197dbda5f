//! A list of rows of varying length stored flat: row `i` is
//! `items[starts[i]..starts[i + 1]]`. The pattern tables of the matcher use it, here
//! (pattern → origins) and in `gatehouse-core` (pattern → the rules of one stage).

/// Rows of `T`, stored flat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rows<T> {
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows {
            starts: vec![0],
            items: Vec::new(),
        }
    }
}

impl<T> Rows<T> {
    /// An empty table with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Rows<T> {
        let mut starts = Vec::with_capacity(rows + 1);
        starts.push(0);
        Rows {
            starts,
            items: Vec::with_capacity(rows),
        }
    }

    /// Appends a row. Fails when the table would pass `u32::MAX` items.
    pub fn push_row(&mut self, row: impl IntoIterator<Item = T>) -> Result<(), String> {
        self.items.extend(row);
        let end = u32::try_from(self.items.len()).map_err(|_| "table too large".to_owned())?;
        self.starts.push(end);
        Ok(())
    }

    /// Row `i` (empty past the end).
    pub fn get(&self, i: usize) -> &[T] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&s), Some(&e)) => self.items.get(s as usize..e as usize).unwrap_or_default(),
            _ => &[],
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// True when no row has an item.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Number of items in all rows.
    pub fn items(&self) -> usize {
        self.items.len()
    }

    /// The row starts and the items, for serialising.
    pub(crate) fn parts(&self) -> (&[u32], &[T]) {
        (&self.starts, &self.items)
    }

    /// Rebuilds a table from [`Rows::parts`], checking the starts.
    pub(crate) fn from_parts(starts: Vec<u32>, items: Vec<T>) -> Option<Rows<T>> {
        let monotonic = starts.windows(2).all(|w| w.first() <= w.get(1));
        let consistent =
            starts.first() == Some(&0) && starts.last().map(|&e| e as usize) == Some(items.len());
        (monotonic && consistent).then_some(Rows { starts, items })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_through_parts() {
        let mut t = Rows::default();
        t.push_row([1, 2]).unwrap();
        t.push_row([]).unwrap();
        t.push_row([3]).unwrap();
        assert_eq!((t.rows(), t.items()), (3, 3));
        assert_eq!(
            (t.get(0), t.get(1), t.get(2), t.get(3)),
            (&[1, 2][..], &[][..], &[3][..], &[][..])
        );
        let (s, i) = t.parts();
        assert_eq!(Rows::from_parts(s.to_vec(), i.to_vec()), Some(t));
        assert_eq!(Rows::from_parts(vec![0, 2, 1], vec![1, 2]), None);
        assert_eq!(Rows::from_parts(vec![1, 2], vec![1, 2]), None);
        assert!(Rows::<u8>::default().is_empty());
    }
}
