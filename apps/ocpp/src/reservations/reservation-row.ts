/** A reservation as the operator view shows it. */
export interface ReservationRow {
  reservationId: number;
  stationId: string;
  connectorId: number;
  idTag: string;
  parentIdTag: string | null;
  expiryDate: Date;
  status: string;
  transactionId: number | null;
  createdAt: Date;
}

export function toRow(r: Record<string, unknown>): ReservationRow {
  return {
    reservationId: Number(r['reservation_id']),
    stationId: r['station_id'] as string,
    connectorId: Number(r['connector_id']),
    idTag: r['id_tag'] as string,
    parentIdTag: (r['parent_id_tag'] as string | null) ?? null,
    expiryDate: r['expiry_date'] as Date,
    status: r['status'] as string,
    transactionId: r['transaction_id'] === null ? null : Number(r['transaction_id']),
    createdAt: r['created_at'] as Date,
  };
}
